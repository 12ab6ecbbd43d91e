// libFuzzer target for a whole HTTP response as a server sends it (bindings/python/tests/test_fuzz.py
// builds it with the response reader, the byte reader and the JSON parser): head, then a body by
// Content-Length, by chunks (sizes up to 2^64) or to the end. Any bytes must give JSON or a
// TransportError, never a crash, and the same outcome however the bytes arrive.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let whole = outcome(bytes, piece: max(1, size))
    let split = outcome(bytes, piece: 3)
    guard whole == split else { fatalError("splitting the input changed the outcome: \(whole) against \(split)") }
    return 0
}

/// The JSON read (serialized) or the error, from `bytes` arriving `piece` bytes at a time.
private func outcome(_ bytes: [UInt8], piece: Int) -> String {
    var reader = ByteReader(connection: ReplayedStream(bytes, piece: piece))
    do {
        let json = try HTTPResponse.readJSON(from: &reader, url: "http://h/schema", route: "/schema", maximumSize: 1024,
                                             deadline: Deadline(seconds: 10), operation: "GET http://h/schema")
        return json.serialized()
    } catch {
        return "error: \(error)"
    }
}

/// A server's bytes replayed `piece` at a time, then the end of the stream.
private final class ReplayedStream: ByteStream, @unchecked Sendable {
    private let bytes: [UInt8]
    private let piece: Int
    private var offset = 0

    init(_ bytes: [UInt8], piece: Int) {
        self.bytes = bytes
        self.piece = piece
    }

    var descriptor: Int32 { -1 }
    var hasBufferedBytes: Bool { false }
    var permitsWriteDuringRead: Bool { true }
    func write(_ bytes: [UInt8], deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) {}
    func attemptWrite(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> Int { bytes.count }
    func attemptRead(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        try read(into: buffer, deadline: Deadline(seconds: 0), operation: "read")
    }
    func readTookAll(_ count: Int, capacity: Int) -> Bool { true }
    func shutdown() {}

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> Int {
        guard offset < bytes.count else { throw .connectionClosed(TransportError.endOfStream) }
        let count = min(piece, buffer.count, bytes.count - offset)
        for index in 0..<count { buffer[index] = bytes[offset + index] }
        offset += count
        return count
    }
}
