/// One-shot HTTP/1.1 GET requests to an environment server's routes (`/health`, `/schema`,
/// `/metadata`), each on its own connection.
enum HTTPClient {
    /// The body of `GET <base><route>` as JSON; non-2xx statuses and non-JSON bodies throw.
    /// `authorization` is the `Authorization` header's value, if any.
    static func getJSON(
        _ address: ServerAddress, route: String, timeout: Double, maximumSize: Int, caFile: String? = nil, authorization: String? = nil
    ) throws(TransportError) -> JSONValue {
        let url = address.description + route
        let deadline = Deadline(seconds: timeout)
        let operation = "GET \(url)"
        let connection = try address.openStream(deadline: deadline, url: url, caFile: caFile)
        defer { connection.shutdown() }
        let request = "GET \(address.pathPrefix)\(route) HTTP/1.1\r\nHost: \(address.hostHeader)\r\nAccept: application/json\r\n"
            + "User-Agent: openenv-swift/\(OpenEnvVersion.string)\r\n" + authorizationLine(authorization) + "Connection: close\r\n\r\n"
        try connection.write(Array(request.utf8), deadline: deadline, operation: operation)
        var reader = ByteReader(connection: connection)
        let head = try HTTPResponseHead(reader.readHeaderBlock(limit: 65_536, deadline: deadline, operation: operation))
        let body: [UInt8]
        if head.headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked(&reader, limit: maximumSize, deadline: deadline, operation: operation)
        } else if let lengthText = head.headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw .protocolViolation("invalid Content-Length '\(lengthText)'") }
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
            return try JSONParser().parse(body)
        } catch {
            throw .protocolViolation("\(route) did not answer JSON: \(error)")
        }
    }

    /// The `Authorization` header line, or nothing.
    static func authorizationLine(_ authorization: String?) -> String {
        authorization.map { "Authorization: \($0)\r\n" } ?? ""
    }

    private static func readChunked(_ reader: inout ByteReader, limit: Int, deadline: Deadline, operation: String) throws(TransportError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var line: [UInt8] = []
            while !(line.count >= 2 && line[line.count - 2] == 13 && line[line.count - 1] == 10) {
                line += try reader.read(1, deadline: deadline, operation: operation)
                guard line.count < 1024 else { throw .protocolViolation("chunk size line too long") }
            }
            let sizeText = String(decoding: line.dropLast(2), as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingWhiteSpace(), radix: 16), size >= 0 else { throw .protocolViolation("invalid chunk size '\(sizeText)'") }
            if size == 0 { return body }
            guard body.count + size <= limit else { throw .messageTooLarge(size: body.count + size, limit: limit) }
            body += try reader.read(size + 2, deadline: deadline, operation: operation).dropLast(2)
        }
    }
}
