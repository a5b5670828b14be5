public import NIOFileSystem

/// A file to stream with ``FileStreamer``: where it is, its strong validator, and how to present it.
public struct StreamedFile: Sendable {
    /// How the browser should present the file (`Content-Disposition`, RFC 6266).
    public enum Disposition: String, Sendable {
        /// Show it in the page (a `<video>` source).
        case inline
        /// Save it (a download link).
        case attachment
    }

    /// Where the bytes are: a file on disk, or a blob in the configured ``BlobStore`` (a folder or a bucket).
    public enum Source: Sendable {
        case file(FilePath)
        case blob(BlobKey, in: any BlobStore)
    }

    /// Where the file is.
    public var source: Source
    /// A strong validator of the file's bytes without quotes, e.g. its SHA-256 in hex; sent as `ETag: "<etag>"`.
    /// It must change whenever the bytes change, and must not contain `"`.
    public var etag: String
    /// `Content-Type`, e.g. `video/mp4`.
    public var contentType: String
    /// The name offered to the browser in `Content-Disposition`; `nil` sends no `Content-Disposition`.
    public var fileName: String?
    /// `inline` or `attachment`; used only with a `fileName`.
    public var disposition: Disposition
    /// `Cache-Control`, sent on 200, 206 and 304 (e.g. `private, max-age=3600`); `nil` sends none.
    public var cacheControl: String?

    public init(
        path: FilePath,
        etag: String,
        contentType: String,
        fileName: String? = nil,
        disposition: Disposition = .inline,
        cacheControl: String? = nil
    ) {
        self.init(source: .file(path), etag: etag, contentType: contentType, fileName: fileName, disposition: disposition, cacheControl: cacheControl)
    }

    public init(
        source: Source,
        etag: String,
        contentType: String,
        fileName: String? = nil,
        disposition: Disposition = .inline,
        cacheControl: String? = nil
    ) {
        // By bytes: `String.contains(_:)` with a string is Foundation's `range(of:)`, 1.7% of a small range request.
        precondition(!etag.utf8.contains(UInt8(ascii: "\"")), "An entity tag's opaque value cannot contain a double quote.")
        self.source = source
        self.etag = etag
        self.contentType = contentType
        self.fileName = fileName
        self.disposition = disposition
        self.cacheControl = cacheControl
    }

    /// `inline; filename="…"; filename*=UTF-8''…`: an ASCII fallback for old clients and the exact name
    /// percent-encoded (RFC 6266 §4.3, RFC 8187).
    /// The name is offered as a name, never as a path: only what follows the last `/` or `\\`, without control
    /// characters or leading dots (an uploader's "../../.bashrc" is offered as "bashrc").
    var contentDisposition: String? {
        guard let fileName = fileName.flatMap(Self.offeredName) else { return nil }
        // Written as bytes (a small range request's fixed cost counts: issue 21).
        var header = Array(disposition.rawValue.utf8)
        header.reserveCapacity(header.count + 32 + fileName.utf8.count * 4)
        header.append(contentsOf: "; filename=\"".utf8)
        for scalar in fileName.unicodeScalars {
            let value = scalar.value
            let kept = (0x20...0x7E).contains(value) && value != 0x22 && value != 0x5C && value != 0x25  // not " \ %
            header.append(kept ? UInt8(value) : UInt8(ascii: "_"))
        }
        header.append(contentsOf: "\"; filename*=UTF-8''".utf8)
        // attr-char (RFC 8187 §3.2.1); every other byte of the UTF-8 is percent-encoded.
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in fileName.utf8 {
            if Self.isAttrChar(byte) {
                header.append(byte)
            } else {
                header.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
        }
        return String(decoding: header, as: UTF8.self)
    }

    /// RFC 8187's attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~".
    static func isAttrChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"), UInt8(ascii: "-"),
            UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// The longest name offered, in characters.
    static let longestOfferedName = 200

    /// The last component of `name`, without control or format characters (a right-to-left override would disguise
    /// the extension) and leading dots or spaces; `nil` if nothing is left.
    static func offeredName(_ name: String) -> String? {
        // The usual name (printable ASCII, no separator, not too long) needs no look at Unicode's categories, which were
        // 4% of a small range request (issue 21): it is its own last component, with nothing to filter or cut.
        let isPlain = name.utf8.count <= Self.longestOfferedName
            && name.utf8.allSatisfy { (0x20...0x7E).contains($0) && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") }
        guard !isPlain else {
            let trimmed = name.drop { $0 == "." || $0 == " " }
            return trimmed.isEmpty ? nil : String(trimmed)
        }
        return offeredNameByScalars(name)
    }

    /// ``offeredName(_:)`` for any name, scalar by scalar.
    static func offeredNameByScalars(_ name: String) -> String? {
        let last = name.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? name
        let visible = String(String.UnicodeScalarView(last.unicodeScalars.filter {
            $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
        }))
        let trimmed = visible.drop { $0 == "." || $0 == " " }
        guard !trimmed.isEmpty else { return nil }
        // Names stored before uploads were limited (255 bytes) are cut, keeping the extension: a header of tens of
        // kilobytes is refused by proxies (nginx answers 502).
        guard trimmed.unicodeScalars.count > Self.longestOfferedName else { return String(trimmed) }
        let dot = trimmed.lastIndex(of: ".").map { trimmed[$0...] }.flatMap { $0.count <= 16 ? $0 : nil } ?? ""
        return String(trimmed.prefix(Self.longestOfferedName - dot.count)) + dot
    }
}
