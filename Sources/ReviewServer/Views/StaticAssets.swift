import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The pages' stylesheet and scripts (`Views/Static`), read once from the bundle and served from memory with a
/// content hash as ETag; anyone may fetch them (the sign-in page needs them).
struct StaticAssets: Sendable {
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
        let etag: String
    }

    let assets: [String: Asset]

    static let shared = StaticAssets()

    init() {
        var assets: [String: Asset] = [:]
        if let directory = Bundle.module.url(forResource: "Static", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        {
            for name in names {
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
                let type = switch (name as NSString).pathExtension {
                case "css": "text/css; charset=utf-8"
                case "js": "text/javascript; charset=utf-8"
                case "svg": "image/svg+xml"
                default: "application/octet-stream"
                }
                let digest = SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined()
                assets[name] = Asset(bytes: ByteBuffer(bytes: data), contentType: type, etag: "\"\(digest)\"")
            }
        }
        self.assets = assets
    }

    func addRoutes(to router: RouterGroup<ReviewRequestContext>) {
        router.get("static/:file") { request, context in
            guard let name = context.parameters.get("file"), let asset = assets[name] else {
                throw APIError(.notFound, code: .notFound, message: "There is no such static file.")
            }
            if request.headers[.ifNoneMatch] == asset.etag {
                return Response(status: .notModified, headers: [.eTag: asset.etag])
            }
            return Response(
                status: .ok,
                headers: [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache",
                          HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
                body: .init(byteBuffer: asset.bytes))
        }
    }
}
