// swift-tools-version:5.10
// A SwiftNIO WebSocket client loop, built only for benchmarks/step_bench.py --nio: the
// measured alternative to the engine's blocking socket transport. Not part of the product.
import PackageDescription

let package = Package(
    name: "nio-transport-bench",
    dependencies: [.package(url: "https://github.com/apple/swift-nio", from: "2.101.2")],
    targets: [
        .executableTarget(
            name: "nio-step-loop",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        )
    ]
)
