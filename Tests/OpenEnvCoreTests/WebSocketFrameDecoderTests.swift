import Testing

@testable import OpenEnvCore

/// The frame codec shared by the blocking path and the I/O loop: bytes in any split, events out.
struct WebSocketFrameDecoderTests {
    /// A server frame (unmasked) with `opcode` and `payload`.
    func frame(_ opcode: UInt8, _ payload: [UInt8], final: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(final ? 0x80 : 0) | opcode]
        switch payload.count {
        case 0..<126: bytes.append(UInt8(payload.count))
        case 126...0xFFFF: bytes += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: bytes += [127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64($0 * 8)) }
        }
        return bytes + payload
    }

    func events(_ bytes: [UInt8], split: Int, limit: Int = 1 << 20) throws(TransportError) -> [WebSocketEvent] {
        var decoder = WebSocketFrameDecoder(maximumMessageSize: limit)
        var found: [WebSocketEvent] = []
        var offset = 0
        while offset < bytes.count {
            decoder.append(bytes[offset..<min(bytes.count, offset + split)])
            offset += split
            while let event = try decoder.next() { found.append(event) }
        }
        return found
    }

    @Test(arguments: [1, 2, 3, 7, 64, 100_000])
    func anyByteSplitGivesTheSameEvents(split: Int) throws {
        let long = [UInt8](repeating: 0x61, count: 70_000)
        let stream = frame(0x1, Array("héllo".utf8)) + frame(0x9, [1, 2]) + frame(0x2, [0, 255]) + frame(0xA, [])
            + frame(0x1, Array(long.prefix(200))) + frame(0x1, long) + frame(0x8, [0x03, 0xE8] + Array("bye".utf8))
        #expect(try events(stream, split: split) == [
            .message(Array("héllo".utf8), isText: true), .ping([1, 2]), .message([0, 255], isText: false), .pong,
            .message(Array(long.prefix(200)), isText: true), .message(long, isText: true), .close(code: 1000, reason: "bye"),
        ])
    }

    @Test func fragmentsWithControlFramesBetweenThem() throws {
        let stream = frame(0x1, Array("ab".utf8), final: false) + frame(0x9, Array("p".utf8)) + frame(0x0, Array("cd".utf8), final: false)
            + frame(0xA, []) + frame(0x0, Array("e".utf8))
        #expect(try events(stream, split: 1) == [.ping(Array("p".utf8)), .pong, .message(Array("abcde".utf8), isText: true)])
    }

    @Test func aCloseWithoutACodeIs1005() throws {
        #expect(try events(frame(0x8, []), split: 1) == [.close(code: 1005, reason: "")])
    }

    @Test(arguments: [
        ([0x81 | 0x40, 0x00] as [UInt8], "reserved bits"),
        ([0x81, 0x80, 1, 2, 3, 4], "masked frame"),
        ([0x83, 0x00], "unknown data opcode 3"),
        ([0x8B, 0x00], "unknown control opcode 11"),
        ([0x09, 0x00], "control frame is fragmented"),
        ([0x89, 126, 0, 126] + [UInt8](repeating: 0, count: 126), "longer than 125 bytes"),
        ([0x80, 0x00], "continuation frame without a message"),
        ([0x01, 0x01, 0x61, 0x81, 0x00], "new message started before the previous one ended"),
    ])
    func framesTheProtocolForbids(_ bytes: [UInt8], _ reason: String) {
        #expect {
            _ = try events(bytes, split: 1)
        } throws: { error in
            guard case .protocolViolation(let text) = error as? TransportError else { return false }
            return text.contains(reason)
        }
    }

    @Test func anAbsurdLengthFailsBeforeItsBytesArrive() {
        // A 64-bit length of 2^63 - 1: refused from the header alone.
        let header: [UInt8] = [0x81, 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: TransportError.messageTooLarge(size: Int.max, limit: 1000)) { _ = try events(header, split: 10, limit: 1000) }
        // Fragments count together against the limit.
        let fragments = frame(0x1, [UInt8](repeating: 1, count: 600), final: false) + frame(0x0, [UInt8](repeating: 1, count: 600))
        #expect(throws: TransportError.messageTooLarge(size: 1200, limit: 1000)) { _ = try events(fragments, split: 5000, limit: 1000) }
    }

    @Test func clientFramesAreMaskedAndRoundTrip() throws {
        for count in [0, 5, 125, 126, 65_535, 65_536, 70_000] {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0) }
            var bytes = webSocketClientFrame(opcode: 0x2, payload: payload, mask: 0x9ABC_DEF0)  // binary: any bytes
            #expect(bytes[1] & 0x80 != 0)
            // Unmask as a server would, then decode as a client would.
            let headerLength = count < 126 ? 2 : count <= 0xFFFF ? 4 : 10
            let mask = Array(bytes[headerLength..<headerLength + 4])
            var unmasked = Array(bytes[0..<headerLength])
            unmasked[1] &= 0x7F
            for index in 0..<count { bytes[headerLength + 4 + index] ^= mask[index & 3] }
            unmasked += bytes[(headerLength + 4)...]
            #expect(try events(unmasked, split: 1000) == [.message(payload, isText: false)])
        }
    }
}

/// The UTF-8 check text messages get (RFC 3629's table of well-formed sequences).
struct UTF8ValidationTests {
    @Test(arguments: [
        ("", true), ("plain ascii, longer than eight bytes", true), ("héllo wörld ünïcödé 🎉 中文", true),
    ])
    func wellFormedText(_ text: String, _ valid: Bool) {
        #expect(isValidUTF8(Array(text.utf8)) == valid)
    }

    @Test(arguments: [
        [0xFF] as [UInt8], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
        [0xC3], [0xE2, 0x82], [0x80], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xE2, 0x28, 0xA1],
    ])
    func malformedSequences(_ bytes: [UInt8]) {
        #expect(!isValidUTF8(bytes))
    }

    @Test func everyCodePointRoundTrips() {
        for value in stride(from: 0, through: 0x10FFFF, by: 97) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(isValidUTF8(Array(String(Character(scalar)).utf8)), "U+\(String(value, radix: 16))")
        }
    }
}
