// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
        .library(name: "TollgateCore", targets: ["TollgateCore"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .library(name: "Pricing", targets: ["Pricing"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Routing", targets: ["Routing"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "TollgateTesting", targets: ["TollgateTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter's dependencies are not built.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(name: "TollgateCore", dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]),
        // Foundation and TollgateCore's chat form only: the vocabularies are resources, decompressed
        // by a built-in inflater.
        .target(
            name: "Tokenizers",
            dependencies: ["TollgateCore"],
            exclude: ["Resources/SOURCES.md", "Resources/licenses"],
            resources: [
                .copy("Resources/o200k_base.tiktoken.gz"),
                .copy("Resources/cl100k_base.tiktoken.gz"),
                .copy("Resources/qwen.tiktoken.gz"),
                .copy("Resources/deepseek_v3.tokenizer.json.gz"),
                .copy("Resources/claude_legacy.tokenizer.json.gz"),
            ]
        ),
        .target(
            name: "Pricing",
            dependencies: ["TollgateCore"],
            resources: [.copy("Resources/catalog.json")]
        ),
        // A SIGBUS handler that repairs a SQLite WAL index cut short under a running statement (C:
        // only async-signal-safe calls).
        .target(name: "WALIndexFault"),
        .target(
            name: "Storage",
            dependencies: [
                "TollgateCore", "WALIndexFault",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "TollgateCore", "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Providers",
            dependencies: [
                "TollgateCore", "Pricing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The model registry, route policies and constraints, circuit breakers, retries.
        .target(name: "Routing", dependencies: ["TollgateCore", "Providers", "Pricing"], resources: [.copy("Resources/auto-router.json")]),
        .target(
            name: "Gateway",
            dependencies: [
                "TollgateCore", "Storage", "Ledger", "Providers", "Tokenizers", "Pricing", "Routing",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ]
        ),
        // Protocol-faithful simulated providers: what `tollgate demo` serves and tests run against.
        // Forecasting: what a workload will cost (`tollgate simulate`) and what a period would have cost (`tollgate replay`).
        .target(
            name: "Simulator",
            dependencies: ["Gateway", "Pricing", "Providers", "Routing", "Tokenizers", "TollgateCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "SimulatedProviders",
            dependencies: [
                "TollgateCore", "Providers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        // Test fixtures (databases, a manual clock); links Swift Testing, so never the shipped binary.
        .target(
            name: "TollgateTesting",
            dependencies: [
                "TollgateCore", "Providers", "Storage", "Routing", "SimulatedProviders",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateCore", "Storage", "Providers", "Gateway", "SimulatedProviders", "Tokenizers", "Pricing", "Ledger", "Routing",
                "Simulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "TollgateCoreTests", dependencies: ["TollgateCore"]),
        .testTarget(
            name: "TokenizersTests",
            dependencies: [
                "Tokenizers",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Golden")]
        ),
        .testTarget(name: "PricingTests", dependencies: ["Pricing", "TollgateCore"]),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "Ledger", "Storage", "TollgateCore", "TollgateTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(name: "ProvidersTests", dependencies: ["Providers", "TollgateCore"]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "Providers", "Pricing", "TollgateCore", "TollgateTesting"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "Gateway", "Pricing", "Providers", "Routing", "Tokenizers", "TollgateCore"]),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "Gateway", "TollgateTesting", "Providers", "Storage", "TollgateCore", "Tokenizers", "Pricing", "Ledger", "Routing",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
