/// What the server sent, as far as a client needs to know.
enum WebSocketEvent: Equatable {
    /// A whole text or binary message (fragments reassembled).
    case message([UInt8], isText: Bool)
    /// A ping, to be answered with a pong carrying `payload`.
    case ping([UInt8])
    /// A pong: the answer to a ping of ours (or an unsolicited one, which means nothing).
    case pong
    /// A close frame with its code (1005 when it carries none) and reason.
    case close(code: Int, reason: String)
}

/// Incremental RFC 6455 frame reading: bytes go in as they arrive (whole, split anywhere, or
/// many frames at once), events come out once complete. Pongs are consumed silently.
///
/// One decoder serves both ways of receiving: the blocking path feeds it from `recv` until an
/// event is ready; the I/O loop feeds it whatever a readiness event delivered.
struct WebSocketFrameDecoder {
    /// Largest message accepted; larger ones fail with `messageTooLarge` as soon as a frame
    /// header announces them, before their bytes arrive.
    let maximumMessageSize: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var message: [UInt8] = []
    private var messageIsText: Bool?

    init(maximumMessageSize: Int) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Bytes received and not yet decoded.
    var pendingBytes: Int { buffer.count - start }

    /// Adds received bytes.
    mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 65_536 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete event, or nil until more bytes arrive. A frame the protocol forbids
    /// throws `protocolViolation`; a message over the limit throws `messageTooLarge`.
    mutating func next() throws(TransportError) -> WebSocketEvent? {
        while true {
            guard let frame = try nextFrame() else { return nil }
            let (isFinal, opcode, payload) = frame
            if opcode >= 0x8 {
                switch opcode {
                case 0x8:
                    let code = payload.count >= 2 ? Int(payload[payload.startIndex]) << 8 | Int(payload[payload.startIndex + 1]) : 1005
                    let reason = payload.count > 2 ? String(decoding: payload.dropFirst(2), as: UTF8.self) : ""
                    return .close(code: code, reason: reason)
                case 0x9: return .ping(Array(payload))
                case 0xA: return .pong
                default: throw .protocolViolation("unknown control opcode \(opcode)")
                }
            }
            switch (opcode, messageIsText) {
            case (0x0, nil): throw .protocolViolation("a continuation frame without a message to continue")
            case (0x1, nil), (0x2, nil): messageIsText = opcode == 0x1
            case (0x0, _): break
            case (0x1, _), (0x2, _): throw .protocolViolation("a new message started before the previous one ended")
            default: throw .protocolViolation("unknown data opcode \(opcode)")
            }
            message += payload
            if isFinal {
                let isText = messageIsText!
                messageIsText = nil
                defer { message = [] }
                guard !isText || isValidUTF8(message) else { throw .protocolViolation("a text message that is not valid UTF-8") }
                return .message(message, isText: isText)
            }
        }
    }

    /// The next whole frame (final flag, opcode, unmasked payload), or nil until it has arrived.
    private mutating func nextFrame() throws(TransportError) -> (Bool, UInt8, ArraySlice<UInt8>)? {
        guard pendingBytes >= 2 else { return nil }
        let first = buffer[start], second = buffer[start + 1]
        guard first & 0x70 == 0 else { throw .protocolViolation("a frame uses reserved bits (no extension was agreed)") }
        guard second & 0x80 == 0 else { throw .protocolViolation("the server sent a masked frame") }
        let opcode = first & 0x0F
        var headerLength = 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard pendingBytes >= 4 else { return nil }
            length = UInt64(buffer[start + 2]) << 8 | UInt64(buffer[start + 3])
            headerLength = 4
        } else if length == 127 {
            guard pendingBytes >= 10 else { return nil }
            length = buffer[(start + 2)..<(start + 10)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            headerLength = 10
        }
        if opcode >= 0x8 {
            guard first & 0x80 != 0, length <= 125 else { throw .protocolViolation("a control frame is fragmented or longer than 125 bytes") }
        } else if length > UInt64(maximumMessageSize - message.count) {
            let size = length > UInt64(Int.max - message.count) ? Int.max : message.count + Int(length)
            throw .messageTooLarge(size: size, limit: maximumMessageSize)
        }
        guard UInt64(pendingBytes - headerLength) >= length else { return nil }
        let payloadStart = start + headerLength
        start = payloadStart + Int(length)
        return (first & 0x80 != 0, opcode, buffer[payloadStart..<start])
    }
}

/// One client frame (RFC 6455: always masked) carrying `payload` with `opcode`.
func webSocketClientFrame(opcode: UInt8, payload: [UInt8], mask maskWord: UInt32) -> [UInt8] {
    var frame: [UInt8] = [0x80 | opcode]
    frame.reserveCapacity(payload.count + 14)
    switch payload.count {
    case 0..<126: frame.append(0x80 | UInt8(payload.count))
    case 126...0xFFFF: frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    default:
        frame.append(0x80 | 127)
        for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64(shift))) }
    }
    let mask = (0..<4).map { UInt8(truncatingIfNeeded: maskWord >> ($0 * 8)) }
    frame += mask
    let maskStart = frame.count
    frame += payload
    frame.withUnsafeMutableBufferPointer { bytes in
        for index in 0..<payload.count { bytes[maskStart + index] ^= mask[index & 3] }
    }
    return frame
}
