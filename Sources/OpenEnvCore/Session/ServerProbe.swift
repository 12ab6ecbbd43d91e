/// What a server says about itself over its HTTP routes, without opening a session.
public struct ServerProbe: Sendable {
    /// `GET /health`.
    public let health: JSONValue
    /// `GET /metadata`.
    public let metadata: JSONValue
    /// `GET /schema`.
    public let schema: JSONValue

    /// Asks the server at `address`, each request within `timeout` seconds.
    public init(address: ServerAddress, timeout: Double = 10) throws(TransportError) {
        let limit = SessionOptions().maximumMessageBytes
        health = try HTTPClient.getJSON(address, route: "/health", timeout: timeout, maximumSize: limit)
        metadata = try HTTPClient.getJSON(address, route: "/metadata", timeout: timeout, maximumSize: limit)
        schema = try HTTPClient.getJSON(address, route: "/schema", timeout: timeout, maximumSize: limit)
    }
}
