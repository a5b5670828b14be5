import Foundation
@testable import ReviewServer
import Testing

@Suite("A JSON body's check before decoding: duplicate fields, NUL characters, depth")
struct JSONBodyCheckTests {
    func check(_ text: String) throws(JSONBodyCheck.Problem) -> [String]? {
        try JSONBodyCheck.topLevelKeys(of: Array(text.utf8))
    }

    func problem(_ text: String) -> JSONBodyCheck.Problem? {
        do {
            _ = try check(text)
            return nil
        } catch {
            return error
        }
    }

    @Test("every document Foundation writes is taken, and a top-level object's keys are returned")
    func acceptsWhatFoundationWrites() throws {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("ab\"\\/\n\t\u{1}\u{1F}é€😀 {}[]:,0-eE+.") + ["\u{7F}", "\u{2028}", "\u{FFFF}"]
        func text() -> String { String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! }) }
        func value(_ depth: Int) -> Any {
            switch Int.random(in: 0...(depth > 4 ? 3 : 5), using: &random) {
            case 0: return text()
            case 1: return Double.random(in: -1e9...1e9, using: &random)
            case 2: return Bool.random(using: &random)
            case 3: return NSNull()
            case 4: return (0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth + 1) }
            default: return Dictionary((0..<Int.random(in: 0...5, using: &random)).map { _ in (text(), value(depth + 1)) }, uniquingKeysWith: { a, _ in a })
            }
        }
        for _ in 0..<500 {
            let document = Dictionary((0..<Int.random(in: 0...6, using: &random)).map { _ in (text(), value(0)) }, uniquingKeysWith: { a, _ in a })
            let data = try JSONSerialization.data(withJSONObject: document, options: Bool.random() ? [.prettyPrinted] : [])
            let keys = try JSONBodyCheck.topLevelKeys(of: Array(data))
            #expect(Set(keys ?? []) == Set(document.keys) && keys?.count == document.count, "\(String(decoding: data, as: UTF8.self))")
        }
        #expect(try check(#"[1, {"a": true}]"#) == nil)
        #expect(try check("[0, -0, 1.5e-3, 1E+2, -12.25, 10, 1e999]") == nil)
        #expect(try check(#" "just text" "#) == nil)
        #expect(try check("{}") == [])
        #expect(try check(#"{"b":1,"a":{"c":2}}"#) == ["b", "a"])
    }

    @Test("a field given twice in one object is refused, however it is written; the same name in different objects is not")
    func duplicates() throws {
        #expect(problem(#"{"score":3,"score":7}"#) == .duplicateKey("score"))
        #expect(problem(#"{"a":1,"\u0061":2}"#) == .duplicateKey("a"))
        #expect(problem(#"{"é":1,"\u00e9":2}"#) == .duplicateKey("é"))
        #expect(problem(#"{"x":[{"b":1},{"b":1,"b":2}]}"#) == .duplicateKey("b"))
        #expect(problem(#"{"😀":1,"\ud83d\ude00":2}"#) == .duplicateKey("😀"))
        #expect(try check(#"{"a":{"a":1},"b":[{"a":1},{"a":1}]}"#) == ["a", "b"])
        #expect(try check(#"{"A":1,"a":2}"#) == ["A", "a"])
    }

    @Test("a NUL character in a text or a key is refused; an escaped backslash before 'u0000' is only text")
    func nul() throws {
        #expect(problem(#"{"reason":"visible\u0000hidden"}"#) == .nul)
        #expect(problem(#"{"a\u0000":1}"#) == .nul)
        #expect(problem(#"[["\u0000"]]"#) == .nul)
        #expect(problem("{\"a\":\"\u{0}\"}") == .nul)
        #expect(try check(#"{"reason":"\\u0000"}"#) == ["reason"])
    }

    @Test("what is not JSON is refused", arguments: [
        "", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, "[1,]", "[1 2]", "tru", "nul", #""abc"#, #"{"a":1} x"#,
        "{\"a\":\"line\nbreak\"}", #"{"a":"\x"}"#, #"{"a":"\u12"}"#, "{a:1}", "'a'",
        // Numbers as RFC 8259 writes them, even in a field the decoder would skip (the hostile test of decision 41).
        #"{"junk":1-2-3}"#, "[--]", "[1.2.3]", "[00]", "[01]", "[1e]", "[1e+]", "[1.]", "[-e]", "[1E5E5]", "[.5]", "[+1]", "[-]",
        // Escapes: four hexadecimal digits, and surrogates only in pairs.
        #"["\u+041"]"#, #"["\u-000"]"#, #"["\ud800"]"#, #"["\udc00"]"#, #"["\ud800\u0041"]"#, #"["\ud800x"]"#,
    ])
    func notJSON(_ text: String) {
        #expect(problem(text) == .notJSON)
    }

    @Test("bytes that are not UTF-8 are not JSON")
    func notUTF8() {
        #expect(throws: JSONBodyCheck.Problem.notJSON) { try JSONBodyCheck.topLevelKeys(of: Array(#"{"a":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)) }
    }

    @Test("nesting is bounded: 100 levels are taken, 100,000 are refused without exhausting the stack")
    func depth() throws {
        #expect(try check(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) == nil)
        #expect(problem(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)) == .tooDeep)
        #expect(problem(String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)) == .tooDeep)
    }
}
