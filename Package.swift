// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TollgateCore", targets: ["TollgateCore"]),
        .library(name: "Pricing", targets: ["Pricing"]),
        .executable(name: "tollgate", targets: ["tollgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "TollgateCore"),
        .target(
            name: "Pricing",
            dependencies: ["TollgateCore"],
            resources: [.copy("Resources/catalog.json")]
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateCore", "Pricing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TollgateCoreTests", dependencies: ["TollgateCore"]),
        .testTarget(name: "PricingTests", dependencies: ["Pricing", "TollgateCore"]),
    ],
    swiftLanguageModes: [.v6]
)
