// libFuzzer target for the WebSocket frame decoder (bindings/python/tests/test_fuzz.py builds it
// with Transport's decoder, UTF-8 check and errors). Any bytes from a server must give events or
// a TransportError, never a crash, and the same ones however the bytes are split.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = decode(bytes, chunk: max(1, size))
    let split = decode(bytes, chunk: 3)
    guard whole == split else { fatalError("splitting the input changed the outcome: \(whole) against \(split)") }
    return 0
}

/// The events found until the first error (its description last), feeding `chunk` bytes at a time.
private func decode(_ bytes: [UInt8], chunk: Int) -> [String] {
    var decoder = WebSocketFrameDecoder(maximumMessageSize: 1 << 16)
    var found: [String] = []
    var offset = 0
    do {
        while offset < bytes.count {
            decoder.append(bytes[offset..<min(bytes.count, offset + chunk)])
            offset += chunk
            while let event = try decoder.next() { found.append("\(event)") }
        }
    } catch {
        found.append("error: \(error)")
    }
    return found
}
