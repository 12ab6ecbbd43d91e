/// Reading one HTTP/1.1 response from a server: its head, then its body (by `Content-Length`,
/// chunks, or until the server closes), never more than the caller's limit. Every size the
/// server writes is checked before it is used, so no answer can overflow an integer.
enum HTTPResponse {
    /// The body of the response to `GET <url>` (route `route`) as JSON; 401/403, other non-2xx
    /// statuses and non-JSON bodies throw.
    static func readJSON(
        from reader: inout ByteReader, url: String, route: String, maximumSize: Int, deadline: Deadline, operation: String
    ) throws(TransportError) -> JSONValue {
        let head = try HTTPResponseHead(reader.readHeaderBlock(limit: 65_536, deadline: deadline, operation: operation))
        let body: [UInt8]
        if head.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked(&reader, limit: maximumSize, deadline: deadline, operation: operation)
        } else if let lengthText = head.headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw .protocolViolation("invalid Content-Length \(quoted(lengthText))") }
            guard length <= maximumSize else { throw .messageTooLarge(size: length, limit: maximumSize) }
            body = Array(try reader.read(length, deadline: deadline, operation: operation))
        } else {
            body = try reader.readToEnd(limit: maximumSize, deadline: deadline, operation: operation)
        }
        if [401, 403].contains(head.status) { throw .notAuthorized(url, status: head.status) }
        guard (200..<300).contains(head.status) else {
            throw .httpStatus(head.status, route: route, body: String(decoding: body, as: UTF8.self))
        }
        do {
            return try JSONParser.forAnswers.parse(body)
        } catch {
            throw .protocolViolation("\(route) did not answer JSON: \(error)")
        }
    }

    /// A chunked body (RFC 9112, 7.1), refusing more than `limit` bytes in all. Sizes are read
    /// as hexadecimal digits only and checked against what is left of `limit` before any
    /// arithmetic, so no size a server writes can overflow.
    private static func readChunked(_ reader: inout ByteReader, limit: Int, deadline: Deadline, operation: String) throws(TransportError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var line: [UInt8] = []
            while !(line.count >= 2 && line[line.count - 2] == 13 && line[line.count - 1] == 10) {
                line += try reader.read(1, deadline: deadline, operation: operation)
                guard line.count < 1024 else { throw .protocolViolation("chunk size line too long") }
            }
            let sizeText = String(decoding: line.dropLast(2), as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false)[0].trimmingWhiteSpace()
            let size = try chunkSize(sizeText)
            if size == 0 { return body }
            guard size <= limit - body.count else {
                let (total, overflow) = body.count.addingReportingOverflow(size)
                throw .messageTooLarge(size: overflow ? Int.max : total, limit: limit)
            }
            body += try reader.read(size, deadline: deadline, operation: operation)
            guard try reader.read(2, deadline: deadline, operation: operation).elementsEqual([13, 10]) else {
                throw .protocolViolation("a chunk does not end with CRLF where its size says")
            }
        }
    }

    /// A chunk size: hexadecimal digits only (no sign, no blank), at most `Int.max`.
    static func chunkSize(_ text: String) throws(TransportError) -> Int {
        var size = 0
        for digit in text.utf8 {
            let value: Int
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(digit - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(digit - UInt8(ascii: "A")) + 10
            default: throw .protocolViolation("invalid chunk size \(quoted(text))")
            }
            let (shifted, overflowed) = size.multipliedReportingOverflow(by: 16)
            guard !overflowed else { throw .protocolViolation("chunk size \(quoted(text)) is larger than any message") }
            size = shifted | value
        }
        guard !text.isEmpty else { throw .protocolViolation("empty chunk size") }
        return size
    }
}
