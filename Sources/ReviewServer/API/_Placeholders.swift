import Hummingbird
import NIOFileSystem

// TEMPORARY, not to be committed: stand-ins until the streaming and OpenAPI branches merge.
enum OpenAPIDocument { static let json = "{}" }
struct StreamedFile: Sendable { var path: FilePath; var etag: String; var contentType: String; var fileName: String? }
enum FileStreamer {
    static func response(to request: Request, file: StreamedFile, context: some RequestContext) async throws -> Response {
        guard try await FileSystem.shared.info(forFileAt: file.path) != nil else { throw APIError(.notFound, code: .notFound, message: "missing") }
        let data = try await FileSystem.shared.withFileHandle(forReadingAt: file.path) { try await $0.readToEnd(maximumSizeAllowed: .gibibytes(4)) }
        return Response(status: .ok, headers: [.contentType: file.contentType], body: .init(byteBuffer: data))
    }
}
