import OpenEnvCore

@_cdecl("openenv_open_placed")
public func openenv_open_placed(
    _ urls: UnsafePointer<UnsafePointer<CChar>?>?, _ urlCount: Int, _ count: Int, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    openPlaced(queue: nil, urls, urlCount, count, options, out)
}

@_cdecl("openenv_queue_open_placed")
public func openenv_queue_open_placed(
    _ queue: OpaquePointer?, _ urls: UnsafePointer<UnsafePointer<CChar>?>?, _ urlCount: Int, _ count: Int, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    openPlaced(queue: .some(queue), urls, urlCount, count, options, out)
}

/// `openenv_open_placed`, or with `queue` given (`openenv_queue_open_placed`) the sessions
/// belonging to that queue's I/O loop when it is an event-loop queue.
private func openPlaced(
    queue: OpaquePointer??, _ urls: UnsafePointer<UnsafePointer<CChar>?>?, _ urlCount: Int, _ count: Int, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    exported {
        guard let out else { throw FFIError(.invalidArgument, "out_envs is NULL; pass an array of count openenv_env * to receive the sessions") }
        guard count >= 0 else { throw FFIError(.invalidArgument, "count is negative") }
        for index in 0..<count { out[index] = nil }
        guard let urls, urlCount > 0 else { throw FFIError(.invalidArgument, "urls is NULL or url_count is 0; pass an array of url_count server base URLs") }
        var given: [String] = []
        for index in 0..<urlCount {
            given.append(try string(urls[index], named: "urls[\(index)]"))
        }
        var placement = try SessionPlacement(urls: given, options: SessionOptions(json: json(options, named: "options_json")))
        if let queue { placement.home = try queueHandles.object(queue, named: "queue") }
        for (index, session) in try placement.open(count).enumerated() {
            out[index] = sessionHandles.insert(session)
        }
    }
}
