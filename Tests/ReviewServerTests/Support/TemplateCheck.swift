import Foundation
import Mustache
@testable import ReviewServer

/// Builds a complete instance of any `Decodable` type: every optional present, every list with one item, strings
/// "x", numbers 1, booleans true. A page model built so has a value under every name it can ever have.
struct Fabricator: Decoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    static func make<T: Decodable>(_ type: T.Type) throws -> T { try T(from: Fabricator()) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { Unkeyed(codingPath: codingPath) }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(codingPath: codingPath) }

    static func value<T: Decodable>(_ type: T.Type, at path: [any CodingKey]) throws -> T {
        let primitive: Any? = switch type {
        case is String.Type: "x"
        case is Bool.Type: true
        case is Double.Type: 1.0
        case is Float.Type: Float(1)
        case is Int.Type: 1
        case is Int8.Type: Int8(1)
        case is Int16.Type: Int16(1)
        case is Int32.Type: Int32(1)
        case is Int64.Type: Int64(1)
        case is UInt.Type: UInt(1)
        case is UInt8.Type: UInt8(1)
        case is UInt16.Type: UInt16(1)
        case is UInt32.Type: UInt32(1)
        case is UInt64.Type: UInt64(1)
        default: nil
        }
        if let primitive = primitive as? T { return primitive }
        return try T(from: Fabricator(codingPath: path))
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        var codingPath: [any CodingKey]
        var allKeys: [Key] { [] }
        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try Fabricator.value(type, at: codingPath + [key]) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try Fabricator.value(type, at: codingPath + [key]) }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            KeyedDecodingContainer(Keyed<NestedKey>(codingPath: codingPath + [key]))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { Unkeyed(codingPath: codingPath + [key]) }
        func superDecoder() throws -> any Decoder { Fabricator(codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder { Fabricator(codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        var codingPath: [any CodingKey]
        var count: Int? { 1 }
        var isAtEnd: Bool { currentIndex >= 1 }
        var currentIndex = 0
        mutating func decodeNil() throws -> Bool { false }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            currentIndex += 1
            return try Fabricator.value(type, at: codingPath)
        }
        mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(Box<Bool>.self).value }
        mutating func decode(_ type: String.Type) throws -> String { try decode(Box<String>.self).value }
        mutating func decode(_ type: Double.Type) throws -> Double { try decode(Box<Double>.self).value }
        mutating func decode(_ type: Float.Type) throws -> Float { try decode(Box<Float>.self).value }
        mutating func decode(_ type: Int.Type) throws -> Int { try decode(Box<Int>.self).value }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try decode(Box<Int8>.self).value }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try decode(Box<Int16>.self).value }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try decode(Box<Int32>.self).value }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try decode(Box<Int64>.self).value }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try decode(Box<UInt>.self).value }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(Box<UInt8>.self).value }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(Box<UInt16>.self).value }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(Box<UInt32>.self).value }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(Box<UInt64>.self).value }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            currentIndex += 1
            return KeyedDecodingContainer(Keyed<NestedKey>(codingPath: codingPath))
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            currentIndex += 1
            return Unkeyed(codingPath: codingPath)
        }
        mutating func superDecoder() throws -> any Decoder { Fabricator(codingPath: codingPath) }
    }

    /// One value of an unkeyed container, decoded through the generic path.
    struct Box<T: Decodable>: Decodable {
        let value: T
        init(from decoder: any Decoder) throws { value = try Fabricator.value(T.self, at: decoder.codingPath) }
    }

    struct Single: SingleValueDecodingContainer {
        var codingPath: [any CodingKey]
        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Bool.Type) throws -> Bool { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: String.Type) throws -> String { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Float.Type) throws -> Float { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Int.Type) throws -> Int { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try Fabricator.value(type, at: codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try Fabricator.value(type, at: codingPath) }
    }
}

/// A static check of a Mustache template against the value it is rendered with: every name a tag uses (variables,
/// sections, inverted sections, `empty(name)`, dotted names, in partials and the extended layout too) must resolve as
/// swift-mustache resolves it — on the context stack, through `MustacheParent` or `Mirror`, optionals unwrapped.
/// Run against a fabricated model (every optional present, every list with one item), a name that does not resolve is
/// a name the model does not have.
struct TemplateCheck {
    /// A template's tags as a tree.
    indirect enum Node {
        case name(String)
        case section(String, inverted: Bool, [Node])
        case partial(String)
        /// `{{<parent}}…{{/parent}}`: the parent template, with the blocks given here.
        case extends(String, [Node])
        /// `{{$block}}…{{/block}}`: a block, its default or its override.
        case block([Node])
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The templates by name (file name without `.mustache`).
    let templates: [String: String]

    init(directory: URL) throws {
        var templates: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasSuffix(".mustache") {
            templates[String(name.dropLast(".mustache".count))] = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        }
        self.templates = templates
    }

    init(templates: [String: String]) { self.templates = templates }

    static func parse(_ text: String) throws -> [Node] {
        let regex = try Regex(#"\{\{\{\s*([^}]*?)\s*\}\}\}|\{\{\s*([#^/<>$!&]?)\s*([^}]*?)\s*\}\}"#)
        var stack: [(kind: String, name: String, nodes: [Node])] = [("root", "", [])]
        for match in text.matches(of: regex) {
            let triple = match.output[1].substring.map(String.init)
            let sigil = match.output[2].substring.map(String.init) ?? ""
            let name = triple ?? match.output[3].substring.map(String.init) ?? ""
            switch (triple == nil ? sigil : "") {
            case "!": continue
            case "#", "^", "<", "$": stack.append((sigil, name, []))
            case "/":
                guard let open = stack.popLast(), open.kind != "root", open.name == name else {
                    throw Failure(description: "{{/\(name)}} closes nothing open")
                }
                let node: Node = switch open.kind {
                case "<": .extends(name, open.nodes)
                case "$": .block(open.nodes)
                default: .section(name, inverted: open.kind == "^", open.nodes)
                }
                stack[stack.count - 1].nodes.append(node)
            case ">": stack[stack.count - 1].nodes.append(.partial(name))
            default: stack[stack.count - 1].nodes.append(.name(name))
            }
        }
        guard stack.count == 1 else { throw Failure(description: "{{\(stack.last!.kind)\(stack.last!.name)}} is not closed") }
        return stack[0].nodes
    }

    /// The names of `template` (and of what it includes) that do not resolve against `root`, as "template: name".
    func unresolved(in template: String, rendering root: Any) throws -> [String] {
        var problems: [String] = []
        try walk(template, stack: [root], problems: &problems, depth: 0)
        return problems
    }

    private func walk(_ template: String, stack: [Any], problems: inout [String], depth: Int) throws {
        guard depth < 20 else { throw Failure(description: "partials nest too deep at \(template)") }
        guard let text = templates[template] else {
            problems.append("\(template): no such template")
            return
        }
        try walk(Self.parse(text), in: template, stack: stack, problems: &problems, depth: depth)
    }

    private func walk(_ nodes: [Node], in template: String, stack: [Any], problems: inout [String], depth: Int) throws {
        for node in nodes {
            switch node {
            case .name(let name):
                if Self.resolve(name, in: stack) == nil { problems.append("\(template): {{\(name)}}") }
            case .section(let name, let inverted, let children):
                guard let value = Self.resolve(name, in: stack) else {
                    problems.append("\(template): {{\(inverted ? "^" : "#")\(name)}}")
                    continue
                }
                var inner = stack
                if !inverted {
                    if let array = value as? [Any] {
                        guard let first = array.first else {
                            problems.append("\(template): {{#\(name)}} is an empty list in the fabricated model")
                            continue
                        }
                        inner.append(first)
                    } else if !(value is Bool) {
                        inner.append(value)
                    }
                }
                try walk(children, in: template, stack: inner, problems: &problems, depth: depth)
            case .partial(let name):
                try walk(name, stack: stack, problems: &problems, depth: depth + 1)
            case .extends(let name, let blocks):
                try walk(blocks, in: template, stack: stack, problems: &problems, depth: depth)
                try walk(name, stack: stack, problems: &problems, depth: depth + 1)
            case .block(let children):
                try walk(children, in: template, stack: stack, problems: &problems, depth: depth)
            }
        }
    }

    /// swift-mustache's lookup: `.` the top; `a.b` finds `a` on the stack (top first), then `b` in it; `empty(a)` is `a`.
    static func resolve(_ tag: String, in stack: [Any]) -> Any? {
        var name = tag
        if let open = name.firstIndex(of: "("), name.hasSuffix(")") { name = String(name[name.index(after: open)..<name.index(before: name.endIndex)]) }
        if name == "." { return stack.last }
        let parts = name.split(separator: ".").map(String.init)
        guard let first = parts.first else { return nil }
        for object in stack.reversed() {
            guard var value = child(first, of: object) else { continue }
            for part in parts.dropFirst() {
                guard let next = child(part, of: value) else { return nil }
                value = next
            }
            return value
        }
        return nil
    }

    static func child(_ name: String, of object: Any) -> Any? {
        if let parent = object as? any MustacheParent { return parent.child(named: name) }
        return PageDocumentLookup.value(named: name, in: object)
    }
}
