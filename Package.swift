// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TollgateCore", targets: ["TollgateCore"]),
        .library(name: "Tokenizers", targets: ["Tokenizers"]),
        .executable(name: "tollgate", targets: ["tollgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(name: "TollgateCore"),
        // Foundation only: the vocabularies are resources, decompressed by a built-in inflater.
        .target(
            name: "Tokenizers",
            exclude: ["Resources/SOURCES.md", "Resources/licenses"],
            resources: [
                .copy("Resources/o200k_base.tiktoken.gz"),
                .copy("Resources/cl100k_base.tiktoken.gz"),
                .copy("Resources/qwen.tiktoken.gz"),
                .copy("Resources/deepseek_v3.tokenizer.json.gz"),
                .copy("Resources/claude_legacy.tokenizer.json.gz"),
            ]
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "Tokenizers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
    ],
    swiftLanguageModes: [.v6]
)
