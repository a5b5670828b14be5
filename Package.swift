// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// One settings list, applied to every Swift target. CI sets OBSREVIEW_STRICT=1: warnings are errors.
let swiftSettings: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ] + (ProcessInfo.processInfo.environment["OBSREVIEW_STRICT"] == "1" ? [.unsafeFlags(["-warnings-as-errors"])] : [])

let package = Package(
    name: "ObservationReview",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "obsreview", targets: ["obsreview"]),
        // `obsreview timeline --json` without FFmpeg or Foundation, linked with the static Swift runtime (decision 36).
        .executable(name: "obsreview-timeline", targets: ["obsreview-timeline"]),
        .library(name: "MediaIndex", targets: ["MediaIndex"]),
        .library(name: "ReviewDomain", targets: ["ReviewDomain"]),
        .library(name: "ReviewStore", targets: ["ReviewStore"]),
        .library(name: "ReviewServer", targets: ["ReviewServer"]),
        .library(name: "ReviewWorker", targets: ["ReviewWorker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // No default traits: they pull in swift-configuration, which we do not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libavfilter-dev"])]
        ),
        // The keyframe timelines the container answers alone (MP4/MOV sample tables, MPEG-TS packets):
        // Swift and the C library only, no FFmpeg, no Foundation (decision 36).
        .target(
            name: "MediaTimeline",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MediaIndex",
            dependencies: [
                "CFFmpeg",
                "MediaTimeline",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ReviewDomain",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ReviewStore",
            dependencies: [
                "ReviewDomain",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                // Imported directly: the SQLite pool's threads and event loop (NIOCore, NIOPosix) and the
                // PostgreSQL client's TLS configuration (NIOSSL).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ReviewServer",
            dependencies: [
                "ReviewDomain",
                "ReviewStore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Views/Templates"), .copy("Views/Static"), .copy("Auth/common-passwords.txt"), .copy("API/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // The indexing worker: claims jobs and runs each in a sandboxed child process (`obsreview index`). It reaches
        // MediaIndex only through that child, never by linking it (decision 19).
        .target(
            name: "ReviewWorker",
            dependencies: [
                "ReviewDomain",
                "ReviewStore",
                "ReviewServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "obsreview",
            dependencies: [
                "MediaIndex",
                "ReviewDomain",
                "ReviewStore",
                "ReviewServer",
                "ReviewWorker",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // glibc's mallopt for obsreview-timeline (malloc.h is not in Swift's Glibc module).
        .target(name: "CHeapTuning"),
        // Answers `obsreview timeline --json` for the files MediaTimeline reads and hands the command to
        // `obsreview timeline` otherwise. Static Swift runtime: only libc, libm, libstdc++ and libgcc_s load.
        .executableTarget(
            name: "obsreview-timeline",
            dependencies: ["MediaTimeline", "CHeapTuning"],
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux]))]
        ),
        .testTarget(
            // Also MediaTimeline's tests: its answers are held to MediaIndex's, which is the reference.
            name: "MediaIndexTests",
            dependencies: ["MediaIndex", "MediaTimeline"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReviewStoreTests",
            dependencies: ["ReviewStore", "ReviewDomain", .product(name: "SQLKit", package: "sql-kit")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReviewServerTests",
            dependencies: [
                "ReviewServer",
                "ReviewDomain",
                "ReviewStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReviewWorkerTests",
            dependencies: [
                "ReviewWorker",
                "ReviewServer",
                "ReviewStore",
                "ReviewDomain",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReviewDomainTests",
            dependencies: [
                "ReviewDomain",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
