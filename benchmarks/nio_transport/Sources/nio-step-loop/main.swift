// Steps an OpenEnv server over its WebSocket with SwiftNIO, the way an engine built on NIO
// would: `blocking` (a caller thread writes each request and waits on a promise the event loop
// completes, as a C or Python caller of the engine needs) or `async` (NIOAsyncChannel in
// Swift concurrency). Prints the same JSON as the other step loops.
//
// usage: nio-step-loop blocking|async HOST PORT STEPS ACTION_JSON
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// What the WebSocket upgrade gave.
enum Upgrade {
    /// The channel, with an `AnswerHandler` at the end of its pipeline (blocking mode).
    case channel(Channel)
    /// The channel wrapped for Swift concurrency (async mode).
    case asyncChannel(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
    case refused
}

/// Completes the waiting caller's promise with each whole text message.
final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    var pending: EventLoopPromise<ByteBuffer>?
    private var message = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text || frame.opcode == .continuation else { return }
        var payload = frame.unmaskedData
        message.writeBuffer(&payload)
        if frame.fin {
            pending?.succeed(message)
            pending = nil
            message = ByteBuffer()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        pending?.fail(error)
        pending = nil
    }
}

func textFrame(_ text: String) -> WebSocketFrame {
    WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text))
}

func cpuMicroseconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (Double(usage.ru_utime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec),
            Double(usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_stime.tv_usec))
}

/// Times the steps of one loop and prints the loops' common JSON report.
struct StepTimer {
    private var latencies: [Double] = []
    private let before = cpuMicroseconds()
    private let started = now()

    /// Times one step.
    mutating func step(_ body: () throws -> Void) rethrows {
        let sent = now()
        try body()
        latencies.append(now() - sent)
    }

    /// Times one step of async work.
    mutating func step(_ body: () async throws -> Void) async rethrows {
        let sent = now()
        try await body()
        latencies.append(now() - sent)
    }

    func report() {
        let elapsed = (now() - started) / 1e6
        let after = cpuMicroseconds()
        let steps = Double(latencies.count)
        let sorted = latencies.sorted()
        let result: [String: Double] = [
            "steps": steps, "steps_per_second": steps / elapsed,
            "p50_us": sorted[sorted.count / 2], "p99_us": sorted[Int(steps * 0.99)],
            "user_us_per_step": (after.user - before.user) / steps,
            "system_us_per_step": (after.system - before.system) / steps,
        ]
        let data = try! JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e3 }

/// Connects to `host:port` and upgrades to the WebSocket at `/ws`; with `handler`, the
/// channel answers through it, else it is wrapped for Swift concurrency.
func connect(group: EventLoopGroup, host: String, port: Int, handler: AnswerHandler?) async throws -> Upgrade {
    let upgrade: EventLoopFuture<Upgrade> = try await ClientBootstrap(group: group)
        .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        .connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let handler else { return Upgrade.asyncChannel(try NIOAsyncChannel(wrappingChannelSynchronously: channel)) }
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return Upgrade.channel(channel)
                    }
                })
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: "\(host):\(port)")
                let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/ws", headers: headers)
                let configuration = NIOTypedHTTPClientUpgradeConfiguration(
                    upgradeRequestHead: head, upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in channel.eventLoop.makeCompletedFuture { Upgrade.refused } })
                return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                    configuration: .init(upgradeConfiguration: configuration))
            }
        }
    return try await upgrade.get()
}

/// The blocking caller: each request written from this thread, its answer awaited on a promise.
func runBlocking(_ channel: Channel, handler: AnswerHandler, steps: Int, action: String) throws {
    func exchange(_ text: String) throws {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        channel.eventLoop.execute {
            handler.pending = promise
            channel.writeAndFlush(textFrame(text), promise: nil)
        }
        _ = try promise.futureResult.wait()
    }
    try exchange(#"{"type":"reset","data":{}}"#)
    let request = #"{"type":"step","data":"# + action + "}"
    var timer = StepTimer()
    for _ in 0..<steps { try timer.step { try exchange(request) } }
    timer.report()
    try channel.close().wait()
}

/// The async caller: NIOAsyncChannel's outbound writer and inbound sequence.
func runAsync(_ channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, steps: Int, action: String) async throws {
    try await channel.executeThenClose { inbound, outbound in
        var answers = inbound.makeAsyncIterator()
        func exchange(_ text: String) async throws {
            try await outbound.write(textFrame(text))
            while let frame = try await answers.next() {
                if frame.opcode == .text && frame.fin { return }
            }
            throw CancellationError()
        }
        try await exchange(#"{"type":"reset","data":{}}"#)
        let request = #"{"type":"step","data":"# + action + "}"
        var timer = StepTimer()
        for _ in 0..<steps { try await timer.step { try await exchange(request) } }
        timer.report()
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 6, let port = Int(arguments[3]), let steps = Int(arguments[4]), ["blocking", "async"].contains(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: nio-step-loop blocking|async HOST PORT STEPS ACTION_JSON\n".utf8))
    exit(2)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let handler = arguments[1] == "blocking" ? AnswerHandler() : nil
switch try await connect(group: group, host: arguments[2], port: port, handler: handler) {
case .channel(let channel): try runBlocking(channel, handler: handler!, steps: steps, action: arguments[5])
case .asyncChannel(let channel): try await runAsync(channel, steps: steps, action: arguments[5])
case .refused:
    FileHandle.standardError.write(Data("the server refused the WebSocket upgrade\n".utf8))
    exit(1)
}
try await group.shutdownGracefully()
