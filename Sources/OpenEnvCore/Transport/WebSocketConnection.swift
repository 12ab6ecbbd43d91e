/// A client WebSocket (RFC 6455) over a TCP or TLS connection: text messages in and out,
/// pings answered, fragmented messages reassembled, the close handshake honoured. No
/// extensions are offered, so frames are never compressed.
///
/// Two ways to use it, never at once: blocking calls under a deadline (`send`, `receive`), or
/// the I/O loop's non-blocking ones (`queue`, `flushOutput`, `pollMessage`). Both share one
/// frame codec and one receive buffer.
final class WebSocketConnection: @unchecked Sendable {
    private let connection: any ByteStream
    private var decoder: WebSocketFrameDecoder
    /// Held while a frame is made and written (its mask drawn, the output queue changed or
    /// flushed), so that `abort` on another thread can add a close frame between two frames,
    /// never inside one.
    private let writeLock = Mutex()
    /// Encoded frames not yet written by the non-blocking path.
    private var output: [UInt8] = []
    private var outputStart = 0
    /// Where received bytes land before the decoder takes them. Allocated last in `init`: an
    /// initializer that throws never runs `deinit`, which frees it.
    private let chunk: UnsafeMutableRawBufferPointer
    /// Largest message accepted; larger ones fail with `messageTooLarge`.
    var maximumMessageSize: Int { decoder.maximumMessageSize }
    private(set) var isClosed = false
    /// Why the connection closed, once it has.
    private(set) var closeReason: String?
    /// Pongs received so far: a keep-alive ping is answered once this grows.
    private(set) var pongsReceived = 0
    /// Whether more bytes may wait in the socket behind the last non-blocking read, which epoll
    /// (edge-triggered) will not announce again (see `ByteStream.readTookAll`).
    private var mayHaveMore = false
    /// Whether epoll has announced the peer's hang-up (or an error): from then on a short read
    /// proves nothing (the end, or the reset, may wait behind the bytes read), so reads go on
    /// until the socket says so.
    private var hangUpAnnounced = false

    /// Frame masks, from the kernel's generator in bulk (see ``MaskSource``).
    private var masks = MaskSource()

    private static let handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Opens the WebSocket at `address`'s `/ws` within `timeout` seconds; for `wss://`, TLS
    /// verifies the server against the system's authorities or `caFile`. `extraHeaders` are
    /// whole header lines (each ending in CRLF) added to the handshake.
    init(address: ServerAddress, timeout: Double, maximumMessageSize: Int, caFile: String? = nil, extraHeaders: String = "") throws(TransportError) {
        let url = address.webSocketURL
        let deadline = Deadline(seconds: timeout)
        connection = try address.openStream(deadline: deadline, url: url, caFile: caFile)
        var reader = ByteReader(connection: connection)
        decoder = WebSocketFrameDecoder(maximumMessageSize: maximumMessageSize)
        var nonce = [UInt8](repeating: 0, count: 16)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255) }
        let key = base64(nonce)
        let userAgent = extraHeaders.lowercased().contains("user-agent:") ? "" : "User-Agent: openenv-swift/\(OpenEnvVersion.string)\r\n"
        let request = "GET \(address.webSocketTarget) HTTP/1.1\r\nHost: \(address.hostHeader)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n" + userAgent + extraHeaders + "\r\n"
        try connection.write(Array(request.utf8), deadline: deadline, operation: "connecting to \(url)")
        let head = try HTTPResponseHead(reader.readHeaderBlock(limit: 65_536, deadline: deadline, operation: "connecting to \(url)"))
        if [401, 403].contains(head.status) { throw .notAuthorized(url, status: head.status) }
        guard head.status == 101 else {
            throw .connectionFailed(url, reason: "the server answered HTTP \(head.status) instead of switching to WebSocket; is this an OpenEnv server with a /ws endpoint?")
        }
        let expected = base64(sha1(Array((key + Self.handshakeGUID).utf8)))
        guard head.headers["sec-websocket-accept"] == expected else {
            throw .protocolViolation("the server's Sec-WebSocket-Accept does not match the key sent")
        }
        // Frames the server sent right behind its answer (an unprompted error, say).
        decoder.append(reader.takeBuffered())
        chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    }

    deinit {
        connection.shutdown()
        chunk.deallocate()
    }

    /// The socket, for epoll.
    var descriptor: Int32 { connection.descriptor }

    /// Ends the connection at once, from any thread; a blocked `receive` returns. The server
    /// is told with a close frame (`code`: 1001, going away, by default; 1002 for a protocol
    /// error) when one can go out without waiting: no frame is being written or waits
    /// half-written, and the connection is not TLS (whose session the blocked reader is using).
    func abort(code: UInt16 = 1001) {
        if connection.permitsWriteDuringRead && writeLock.tryLock() {
            if outputStart == output.count {
                let closing = frame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])
                _ = closing.withUnsafeBytes { try? connection.attemptWrite($0) }
            }
            writeLock.unlock()
        }
        connection.shutdown()
    }

    /// Sends one text message.
    func send(text bytes: [UInt8], timeout: Double, operation: @autoclosure () -> String) throws(TransportError) {
        guard !isClosed else { throw .connectionClosed(closeReason ?? "closed") }
        try sendFrame(opcode: 0x1, payload: bytes, deadline: Deadline(seconds: timeout), operation: operation())
    }

    /// Waits up to `timeout` seconds for the server to close (its close frame is answered as
    /// the protocol asks), then ends the connection. For servers that close on request.
    func awaitServerClose(timeout: Double) {
        while !isClosed {
            do {
                _ = try receive(timeout: timeout, operation: "waiting for the server to close")
            } catch {
                break
            }
        }
        isClosed = true
        connection.shutdown()
    }

    /// Sends a close frame (best effort) and ends the connection.
    func close(code: UInt16 = 1000) {
        if !isClosed {
            isClosed = true
            closeReason = "closed by the client"
            try? sendFrame(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)], deadline: Deadline(seconds: 1), operation: "closing")
        }
        connection.shutdown()
    }

    /// A masked client frame. The caller holds `writeLock` (the mask source is shared).
    private func frame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        webSocketClientFrame(opcode: opcode, payload: payload, mask: masks.next())
    }

    private func sendFrame(opcode: UInt8, payload: [UInt8], deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) {
        do {
            try writeLock.withLock { () throws(TransportError) in
                try connection.write(frame(opcode: opcode, payload: payload), deadline: deadline, operation: operation())
            }
        } catch {
            let explained = Self.explain(error, sending: payload.count)
            markClosed(explained)
            throw explained
        }
    }

    /// A connection dropped while a large message went out most likely hit the server's size
    /// limit: say so, rather than a bare "connection reset".
    static func explain(_ error: TransportError, sending size: Int) -> TransportError {
        guard case .connectionClosed(let reason) = error, size > 1 << 20 else { return error }
        return .connectionClosed("\(reason) while sending a \(size)-byte message; the server may accept only smaller ones "
            + "(uvicorn's default limit is 16 MiB, --ws-max-size)")
    }

    /// The next text or binary message, within `timeout` seconds. A close frame from the
    /// server ends the connection and throws `connectionClosed` with its code and reason.
    func receive(timeout: Double, operation: @autoclosure () -> String) throws(TransportError) -> (bytes: [UInt8], isText: Bool) {
        guard !isClosed else { throw .connectionClosed(closeReason ?? "closed") }
        let deadline = Deadline(seconds: timeout)
        do throws(TransportError) {
            while true {
                if let message = try nextMessage(answeringPings: { payload throws(TransportError) in
                    try writeLock.withLock { () throws(TransportError) in
                        try connection.write(frame(opcode: 0xA, payload: payload), deadline: deadline, operation: operation())
                    }
                }) {
                    return message
                }
                let count = try connection.read(into: chunk, deadline: deadline, operation: operation())
                decoder.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            }
        } catch {
            let error = error.inWebSocketTerms
            markClosed(error)
            throw error
        }
    }

    /// The next message already received, answering pings with `pong` and a close frame with
    /// a close frame (best effort) before throwing `connectionClosed`.
    private func nextMessage(answeringPings pong: ([UInt8]) throws(TransportError) -> Void) throws(TransportError) -> (bytes: [UInt8], isText: Bool)? {
        while let event = try decoder.next() {
            switch event {
            case .message(let bytes, let isText): return (bytes, isText)
            case .pong: pongsReceived += 1
            case .ping(let payload): try pong(payload)
            case .close(let code, let reason):
                queue(opcode: 0x8, payload: code == 1005 ? [] : [UInt8(code >> 8), UInt8(code & 0xFF)])
                _ = try? flushOutput()
                throw .connectionClosed("close code \(code)\(reason.isEmpty ? "" : ", \(reason)")")
            }
        }
        return nil
    }

    /// Any failure ends the connection, a time-out included: the late answer would otherwise
    /// be taken for the answer to the next request.
    private func markClosed(_ error: TransportError) {
        switch error {
        case .connectionClosed(let reason): closeReason = reason
        default: closeReason = "\(error)"
        }
        isClosed = true
        connection.shutdown()
    }

    // MARK: The I/O loop's non-blocking calls

    /// Whether received bytes may wait that epoll will not announce: undecoded ones, TLS
    /// records decrypted ahead, or more in the socket behind a read that filled the buffer.
    var hasUnreadBytes: Bool { mayHaveMore || decoder.pendingBytes > 0 || connection.hasBufferedBytes }

    /// Notes that epoll announced the peer's hang-up or an error on the socket (see `hangUpAnnounced`).
    func announceHangUp() {
        hangUpAnnounced = true
    }

    /// Queues one text message for `flushOutput`.
    func queue(text bytes: [UInt8]) throws(TransportError) {
        guard !isClosed else { throw .connectionClosed(closeReason ?? "closed") }
        queue(opcode: 0x1, payload: bytes)
    }

    private func queue(opcode: UInt8, payload: [UInt8]) {
        writeLock.withLock {
            let frame = frame(opcode: opcode, payload: payload)
            if outputStart == output.count {
                output = frame
                outputStart = 0
            } else {
                output += frame
            }
        }
    }

    /// Writes what it can of the queued frames without blocking; returns whether all went out.
    func flushOutput() throws(TransportError) -> Bool {
        let connection = self.connection
        writeLock.lock()
        defer { writeLock.unlock() }
        do throws(TransportError) {
            while outputStart < output.count {
                let start = outputStart
                let written = try output.withUnsafeBytes { raw in
                    Result { () throws(TransportError) in try connection.attemptWrite(UnsafeRawBufferPointer(rebasing: raw[start...])) }
                }.get()
                if written == 0 { return false }
                outputStart += written
            }
            return true
        } catch {
            let error = error.inWebSocketTerms
            markClosed(error)
            throw error
        }
    }

    /// Queues a ping for `flushOutput`; its pong shows as `pongsReceived` growing, whoever
    /// reads it (a blocking call, or the I/O loop).
    func queuePing() throws(TransportError) {
        guard !isClosed else { throw .connectionClosed(closeReason ?? "closed") }
        queue(opcode: 0x9, payload: [])
    }

    /// Reads what has arrived without blocking and returns the next whole message, or nil
    /// until more arrives. Pings are answered through the output queue, pongs counted. Reads
    /// until what had arrived is all taken (a short read of a plain socket shows it is: no
    /// further `recv` to learn it).
    func pollMessage() throws(TransportError) -> (bytes: [UInt8], isText: Bool)? {
        guard !isClosed else { throw .connectionClosed(closeReason ?? "closed") }
        do throws(TransportError) {
            var mayRead = true
            while true {
                if let message = try nextMessage(answeringPings: { payload in queue(opcode: 0xA, payload: payload) }) {
                    _ = try flushOutput()
                    return message
                }
                let count = mayRead ? try connection.attemptRead(into: chunk) : 0
                mayHaveMore = count > 0 && (hangUpAnnounced || !connection.readTookAll(count, capacity: chunk.count))
                mayRead = mayHaveMore
                if count == 0 {
                    _ = try flushOutput()
                    return nil
                }
                decoder.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            }
        } catch {
            let error = error.inWebSocketTerms
            markClosed(error)
            throw error
        }
    }
}
