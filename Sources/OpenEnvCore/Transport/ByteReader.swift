/// Buffered reading from a TCP connection: lines for HTTP headers, exact byte counts for
/// frames and bodies.
struct ByteReader {
    let connection: any ByteStream
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    init(connection: any ByteStream) {
        self.connection = connection
    }

    /// Bytes received but not yet consumed.
    var buffered: Int { buffer.count - start }

    private mutating func fill(deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        let connection = self.connection
        let result: Result<Int, TransportError> = chunk.withUnsafeMutableBytes { raw in
            Result { () throws(TransportError) in try connection.read(into: raw, deadline: deadline, operation: operation()) }
        }
        let count = try result.get()
        buffer.append(contentsOf: chunk[0..<count])
    }

    /// The bytes received but not yet consumed, handed over (the reader keeps none).
    mutating func takeBuffered() -> ArraySlice<UInt8> {
        defer { start = buffer.count }
        return buffer[start...]
    }

    /// Exactly `count` bytes.
    mutating func read(_ count: Int, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> ArraySlice<UInt8> {
        while buffered < count { try fill(deadline: deadline, operation: operation()) }
        defer { start += count }
        return buffer[start..<start + count]
    }

    /// Everything up to and including `\r\n\r\n` (an HTTP header block), refusing blocks larger
    /// than `limit`.
    mutating func readHeaderBlock(limit: Int, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> String {
        var scanned = start
        while true {
            while scanned + 3 < buffer.count {
                if buffer[scanned] == 13 && buffer[scanned + 1] == 10 && buffer[scanned + 2] == 13 && buffer[scanned + 3] == 10 {
                    let block = String(decoding: buffer[start..<scanned + 4], as: UTF8.self)
                    start = scanned + 4
                    return block
                }
                scanned += 1
            }
            guard buffered <= limit else { throw .protocolViolation("HTTP headers longer than \(limit) bytes") }
            let offset = scanned - start
            try fill(deadline: deadline, operation: operation())
            scanned = start + offset
        }
    }

    /// Everything until the peer closes the connection, refusing more than `limit` bytes.
    mutating func readToEnd(limit: Int, deadline: Deadline, operation: @autoclosure () -> String) throws(TransportError) -> [UInt8] {
        while true {
            guard buffered <= limit else { throw .messageTooLarge(size: buffered, limit: limit) }
            do {
                try fill(deadline: deadline, operation: operation())
            } catch .connectionClosed {
                let rest = Array(buffer[start...])
                start = buffer.count
                return rest
            }
        }
    }
}
