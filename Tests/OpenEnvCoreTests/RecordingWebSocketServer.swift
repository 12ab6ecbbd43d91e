import Foundation

@testable import OpenEnvCore

/// A loopback WebSocket server for one client that accepts the upgrade, keeps the request
/// head, counts the client's pings, and answers nothing: not pings, not messages. Shows what
/// the engine sends, and what it does when a server goes quiet or hangs up.
final class RecordingWebSocketServer: @unchecked Sendable {
    /// When the server hangs up with no word (no HTTP answer, no close frame).
    enum HangUp {
        case never
        /// Having read the request head, before answering it.
        case beforeAnswering
        /// When the first message (a text or binary frame) arrives after the upgrade.
        case onFirstMessage
    }

    let url: String
    private let hangUp: HangUp
    private let listener: Int32
    private let lock = NSLock()
    private var head = ""
    private var pings = 0
    private let done = DispatchSemaphore(value: 0)

    init(hangingUp hangUp: HangUp = .never) {
        self.hangUp = hangUp
        let (descriptor, port) = LocalServerProcess.loopbackSocket()
        listener = descriptor
        url = "http://127.0.0.1:\(port)"
        listen(descriptor, 1)
        Thread.detachNewThread { [self] in serve() }
    }

    /// The upgrade request as received (request line and headers).
    var requestHead: String { lock.withLock { head } }

    /// Pings received so far.
    var pingsReceived: Int { lock.withLock { pings } }

    /// Waits until the client has hung up (at most `seconds`).
    func waitForHangUp(seconds: Double) -> Bool { done.wait(timeout: .now() + seconds) == .success }

    private func serve() {
        defer { done.signal() }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.containsHeadEnd {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        lock.withLock { head = text.components(separatedBy: "\r\n\r\n")[0] }
        guard hangUp != .beforeAnswering else { return }
        let key = text.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("sec-websocket-key:") }?
            .dropFirst("sec-websocket-key:".count).trimmingCharacters(in: .whitespaces) ?? ""
        let accept = base64(sha1(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
        let answer = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n".utf8)
        guard write(connection, answer, answer.count) == answer.count else { return }
        received = Array(received[received.headEnd...])
        while true {
            while let (opcode, length) = received.frameHeader, received.count >= length {
                if opcode == 0x9 { lock.withLock { pings += 1 } }
                if hangUp == .onFirstMessage && (opcode == 0x1 || opcode == 0x2) { return }
                received.removeFirst(length)
            }
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            received += buffer[0..<count]
        }
    }

    deinit {
        close(listener)
    }
}

extension [UInt8] {
    fileprivate var headEnd: Int {
        for index in 0..<Swift.max(0, count - 3) where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return index + 4
        }
        return -1
    }

    fileprivate var containsHeadEnd: Bool { headEnd >= 0 }

    /// A whole client frame's opcode and length in bytes (masked; payloads under 126 bytes or
    /// 16-bit lengths), or nil while its header is incomplete.
    fileprivate var frameHeader: (opcode: UInt8, length: Int)? {
        guard count >= 2 else { return nil }
        let short = Int(self[1] & 0x7F)
        if short < 126 { return (self[0] & 0x0F, 2 + 4 + short) }
        guard count >= 4 else { return nil }
        return (self[0] & 0x0F, 4 + 4 + (Int(self[2]) << 8 | Int(self[3])))
    }
}
