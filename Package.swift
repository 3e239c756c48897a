// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TollgateCore", targets: ["TollgateCore"]),
    ],
    dependencies: [],
    targets: [
        .target(name: "TollgateCore"),
        .testTarget(name: "TollgateCoreTests", dependencies: ["TollgateCore"]),
    ],
    swiftLanguageModes: [.v6]
)
