import ArgumentParser
import Foundation
import ReviewServer

/// Where blobs are kept, for every command that reads or writes them: `--blob-store folder|s3` and the bucket's
/// address, over the same `OBSREVIEW_BLOB_STORE`, `OBSREVIEW_S3_*` variables `serve` reads. The access keys come
/// from the environment only (docs/operations.md).
struct ObjectStorageOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where blobs are kept: folder (DATA/blobs, default) or s3 (an S3-compatible bucket).", valueName: "KIND"))
    var blobStore: String?
    @Option(help: ArgumentHelp("The S3 endpoint, e.g. https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:9000 (path-style).", valueName: "URL"))
    var s3Endpoint: String?
    @Option(help: "The S3 region signed for (default us-east-1).") var s3Region: String?
    @Option(help: "The bucket that holds the blobs.") var s3Bucket: String?
    @Option(help: "A key prefix before blobs/ (e.g. obsreview/).") var s3Prefix: String?

    /// The options given as flags, by settings key.
    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["blob_store"] = blobStore
        flags["s3_endpoint"] = s3Endpoint
        flags["s3_region"] = s3Region
        flags["s3_bucket"] = s3Bucket
        flags["s3_prefix"] = s3Prefix
        return flags
    }

    /// `data` resolved, with the blob store the environment and the flags name.
    func layout(data: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DataLayout {
        var settings = ServerSettings()
        do {
            try settings.apply(ServerSettings.environmentValues(environment).filter { ServerSettings.blobStoreKeys.contains($0.key) }, from: "environment")
            try settings.apply(flags, from: "flags")
            return DataLayout(data, objectStorage: try settings.objectStorage(environment: environment))
        } catch let problem as ServerSettings.Problem {
            throw ValidationError(problem.description)
        }
    }
}
