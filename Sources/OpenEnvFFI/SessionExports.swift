import OpenEnvCore

@_cdecl("openenv_connect")
public func openenv_connect(
    _ baseURL: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    openSession(baseURL, named: "base_url", options, out) { url, options in
        try EnvSession(baseURL: url, options: SessionOptions(json: options))
    }
}

@_cdecl("openenv_from_env")
public func openenv_from_env(
    _ name: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    openSession(name, named: "name", options, out) { name, options in
        try EnvironmentLauncher.open(name, options: LaunchOptions(json: options))
    }
}

@_cdecl("openenv_from_hub")
public func openenv_from_hub(
    _ repoID: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    openSession(repoID, named: "repo_id", options, out) { name, options in
        try EnvironmentLauncher.openHub(name, options: LaunchOptions(json: options))
    }
}

@_cdecl("openenv_launch_plan")
public func openenv_launch_plan(
    _ name: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    launchAnswer(name, named: "name", options, out) { name, launch in
        try EnvironmentLauncher.plan(name, options: launch).json
    }
}

/// Opens a session from a target string and options JSON, handing its handle out through `out`.
private func openSession(
    _ target: UnsafePointer<CChar>?, named name: String, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<OpaquePointer?>?, open: (String, JSONValue) throws -> EnvSession
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_env")
        let text = try string(target, named: name)
        out.pointee = sessionHandles.insert(try open(text, json(options, named: "options_json")))
    }
}

@_cdecl("openenv_resolve")
public func openenv_resolve(
    _ name: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    launchAnswer(name, named: "name", options, out) { name, launch in
        guard let python = launch.python else {
            throw FFIError(.invalidArgument, "option 'python' is required: the interpreter a Hub Space's package is installed into")
        }
        return try HubEnvironment.resolve(name, discovery: launch.discovery, python: python, trustRemoteCode: launch.trustRemoteCode).json
    }
}

@_cdecl("openenv_base_url")
public func openenv_base_url(_ env: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_url")
        try give(sessionHandles.session(env).address.description, to: out)
    }
}

@_cdecl("openenv_reset")
public func openenv_reset(
    _ env: OpaquePointer?, _ parameters: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        let session = try sessionHandles.session(env)
        let fields = try object(parameters, named: "kwargs_json")
        try give(session.reset(fields).json.serialized(), to: out)
    }
}

@_cdecl("openenv_step")
public func openenv_step(
    _ env: OpaquePointer?, _ action: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        let session = try sessionHandles.session(env)
        let fields = try object(action, named: "action_json", orEmpty: false)
        try give(session.step(fields).json.serialized(), to: out)
    }
}

@_cdecl("openenv_state")
public func openenv_state(_ env: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        try give(JSONValue.object(sessionHandles.session(env).state()).serialized(), to: out)
    }
}

@_cdecl("openenv_schema")
public func openenv_schema(_ env: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        try give(sessionHandles.session(env).schema().serialized(), to: out)
    }
}

@_cdecl("openenv_metadata")
public func openenv_metadata(_ env: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        try give(sessionHandles.session(env).metadata().serialized(), to: out)
    }
}

@_cdecl("openenv_is_open")
public func openenv_is_open(_ env: OpaquePointer?, _ out: UnsafeMutablePointer<Int32>?) -> Int32 {
    exported {
        guard let out else { throw FFIError(.invalidArgument, "out_open is NULL; pass the address of an int") }
        out.pointee = 0
        do throws(FFIError) {
            out.pointee = try sessionHandles.session(env).isClosed ? 0 : 1
        } catch where error.status == .closed {
            return  // a released handle is simply not open
        }
    }
}

@_cdecl("openenv_hang_up")
public func openenv_hang_up(_ env: OpaquePointer?) -> Int32 {
    exported {
        try sessionHandles.session(env).hangUp()
    }
}

@_cdecl("openenv_close")
public func openenv_close(_ env: OpaquePointer?) -> Int32 {
    exported {
        guard let env else { return }
        try sessionHandles.remove(env, named: "env")?.close()
    }
}

/// A JSON object argument. NULL or "" means `{}` where `orEmpty`, and is refused (naming which
/// it was) where not; anything but an object is refused.
func object(_ pointer: UnsafePointer<CChar>?, named name: String, orEmpty: Bool = true) throws(FFIError) -> JSONObject {
    if !orEmpty {
        guard let pointer else { throw FFIError(.invalidArgument, "\(name) is NULL; pass the action as a JSON object, e.g. {\"message\": \"hi\"}") }
        guard pointer.pointee != 0 else { throw FFIError(.invalidArgument, "\(name) is an empty string; pass the action as a JSON object, e.g. {\"message\": \"hi\"}") }
    }
    guard let fields = try json(pointer, named: name).objectValue else {
        throw FFIError(.invalidArgument, "\(name) must be a JSON object, e.g. {\"message\": \"hi\"}")
    }
    return fields
}
