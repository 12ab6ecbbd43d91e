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
        return try HTTPResponse.readJSON(from: &reader, url: url, route: route, maximumSize: maximumSize, deadline: deadline, operation: operation)
    }

    /// The `Authorization` header line, or nothing.
    static func authorizationLine(_ authorization: String?) -> String {
        authorization.map { "Authorization: \($0)\r\n" } ?? ""
    }
}
