/// A client WebSocket (RFC 6455) over a blocking TCP connection: text messages in and out,
/// pings answered, fragmented messages reassembled, the close handshake honoured. No
/// extensions are offered, so frames are never compressed.
final class WebSocketConnection: @unchecked Sendable {
    private let connection: any ByteStream
    private var reader: ByteReader
    /// Largest message accepted; larger ones fail with `messageTooLarge`.
    let maximumMessageSize: Int
    private(set) var isClosed = false
    /// Why the connection closed, once it has.
    private(set) var closeReason: String?

    /// Frame masks: RFC 6455 asks for unpredictable masks so that proxies cannot be fooled;
    /// a generator seeded once from the system per connection gives that without a system
    /// call per frame.
    private var maskGenerator = Xorshift64(seed: UInt64.random(in: 1...UInt64.max))

    private static let handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Opens the WebSocket at `address`'s `/ws` within `timeout` seconds; for `wss://`, TLS
    /// verifies the server against the system's authorities or `caFile`. `authorization` is the
    /// handshake's `Authorization` header value, if any.
    init(address: ServerAddress, timeout: Double, maximumMessageSize: Int, caFile: String? = nil, authorization: String? = nil) throws(TransportError) {
        let url = address.webSocketURL
        let deadline = Deadline(seconds: timeout)
        connection = try address.openStream(deadline: deadline, url: url, caFile: caFile)
        reader = ByteReader(connection: connection)
        self.maximumMessageSize = maximumMessageSize
        var nonce = [UInt8](repeating: 0, count: 16)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255) }
        let key = base64(nonce)
        let request = "GET \(address.pathPrefix)/ws HTTP/1.1\r\nHost: \(address.hostHeader)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
            + "User-Agent: openenv-swift/\(OpenEnvVersion.string)\r\n" + HTTPClient.authorizationLine(authorization) + "\r\n"
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
    }

    deinit {
        connection.shutdown()
    }

    /// Ends the connection at once, from any thread; a blocked `receive` returns.
    func abort() {
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

    private func sendFrame(opcode: UInt8, payload: [UInt8], deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) {
        var frame: [UInt8] = [0x80 | opcode]
        frame.reserveCapacity(payload.count + 14)
        switch payload.count {
        case 0..<126: frame.append(0x80 | UInt8(payload.count))
        case 126...0xFFFF: frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            frame.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64(shift))) }
        }
        let maskWord = maskGenerator.next()
        let mask = (0..<4).map { UInt8(truncatingIfNeeded: maskWord >> ($0 * 8)) }
        frame += mask
        let maskStart = frame.count
        frame += payload
        frame.withUnsafeMutableBufferPointer { bytes in
            for index in 0..<payload.count { bytes[maskStart + index] ^= mask[index & 3] }
        }
        do {
            try connection.write(frame, deadline: deadline, operation: operation())
        } catch {
            markClosed(error)
            throw error
        }
    }

    /// The next text or binary message, within `timeout` seconds. A close frame from the
    /// server ends the connection and throws `connectionClosed` with its code and reason.
    func receive(timeout: Double, operation: @autoclosure () -> String) throws(TransportError) -> (bytes: [UInt8], isText: Bool) {
        guard !isClosed else { throw .connectionClosed(closeReason ?? "closed") }
        let deadline = Deadline(seconds: timeout)
        do {
            return try receiveMessage(deadline: deadline, operation: operation())
        } catch {
            markClosed(error)
            throw error
        }
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

    private func receiveMessage(deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> (bytes: [UInt8], isText: Bool) {
        var message: [UInt8] = []
        var messageIsText: Bool?
        while true {
            let header = try reader.read(2, deadline: deadline, operation: operation())
            let first = header[header.startIndex], second = header[header.startIndex + 1]
            let isFinal = first & 0x80 != 0
            let opcode = first & 0x0F
            guard first & 0x70 == 0 else { throw .protocolViolation("a frame uses reserved bits (no extension was agreed)") }
            guard second & 0x80 == 0 else { throw .protocolViolation("the server sent a masked frame") }
            var length = Int(second & 0x7F)
            if length == 126 {
                let bytes = try reader.read(2, deadline: deadline, operation: operation())
                length = Int(bytes[bytes.startIndex]) << 8 | Int(bytes[bytes.startIndex + 1])
            } else if length == 127 {
                let bytes = try reader.read(8, deadline: deadline, operation: operation())
                let value = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                guard value <= UInt64(Int.max) else { throw .messageTooLarge(size: Int.max, limit: maximumMessageSize) }
                length = Int(value)
            }
            if opcode >= 0x8 {
                guard isFinal, length <= 125 else { throw .protocolViolation("a control frame is fragmented or longer than 125 bytes") }
                let payload = Array(try reader.read(length, deadline: deadline, operation: operation()))
                switch opcode {
                case 0x8:
                    let code = payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : 1005
                    let reason = payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : ""
                    try? sendFrame(opcode: 0x8, payload: Array(payload.prefix(2)), deadline: Deadline(seconds: 1), operation: "closing")
                    throw .connectionClosed("close code \(code)\(reason.isEmpty ? "" : ", \(reason)")")
                case 0x9: try sendFrame(opcode: 0xA, payload: payload, deadline: deadline, operation: operation())
                case 0xA: break
                default: throw .protocolViolation("unknown control opcode \(opcode)")
                }
                continue
            }
            guard message.count + length <= maximumMessageSize else {
                throw .messageTooLarge(size: message.count + length, limit: maximumMessageSize)
            }
            switch (opcode, messageIsText) {
            case (0x0, nil): throw .protocolViolation("a continuation frame without a message to continue")
            case (0x1, nil), (0x2, nil): messageIsText = opcode == 0x1
            case (0x0, _): break
            default: throw .protocolViolation("a new message started before the previous one ended")
            }
            message += try reader.read(length, deadline: deadline, operation: operation())
            if isFinal { return (message, messageIsText!) }
        }
    }
}

/// Marsaglia's xorshift64: fast, non-cryptographic pseudo-random numbers.
struct Xorshift64 {
    private var state: UInt64

    /// A generator from a nonzero seed.
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    /// The next number.
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
