// swift-tools-version:6.1
import PackageDescription

// A path dependency's identity is its directory's name, which differs between clones and
// worktrees: take it from where this manifest sits.
let tollgate = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "tollgate")

// Benchmarks live apart from the main package so its builds and CI never compile them.
let package = Package(
    name: "TollgateBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
    ],
    targets: [
        .executableTarget(
            name: "TokenizerBenchmarks",
            dependencies: [
                .product(name: "Tokenizers", package: tollgate),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/TokenizerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // The auto router's features and score per request.
        .executableTarget(
            name: "RoutingBenchmarks",
            dependencies: [
                .product(name: "Routing", package: tollgate),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/RoutingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // One step of a proxied request each: parse, count, plan, price, reserve/settle, relay.
        .executableTarget(
            name: "RequestPathBenchmarks",
            dependencies: [
                .product(name: "Tokenizers", package: tollgate),
                .product(name: "Pricing", package: tollgate),
                .product(name: "Routing", package: tollgate),
                .product(name: "Ledger", package: tollgate),
                .product(name: "Storage", package: tollgate),
                .product(name: "TollgateCore", package: tollgate),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/RequestPathBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // Transfers per second, single and grouped, against a bare INSERT: bench/ledger.sh.
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                .product(name: "Ledger", package: tollgate),
                .product(name: "Storage", package: tollgate),
                .product(name: "TollgateCore", package: tollgate),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "LedgerBenchmark"
        ),
        // /admin/analytics over a month of generated traffic: bench/analytics.sh.
        .executableTarget(
            name: "analytics-bench",
            dependencies: [
                .product(name: "Gateway", package: tollgate),
                .product(name: "Storage", package: tollgate),
                .product(name: "TollgateCore", package: tollgate),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "AnalyticsBenchmark"
        ),
        // Plain throughput numbers for bench/tokenizers.sh, compared there with tiktoken and tokenizers.
        .executableTarget(
            name: "TokenizerThroughput",
            dependencies: [.product(name: "Tokenizers", package: tollgate)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
