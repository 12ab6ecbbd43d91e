#if canImport(Glibc)
import Glibc
#endif
import OpenEnvCore

@_cdecl("openenv_version")
public func openenv_version(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    exported {
        try give(OpenEnvVersion.string, to: checkOut(out, named: "out_version"))
    }
}

@_cdecl("openenv_last_error")
public func openenv_last_error() -> UnsafePointer<CChar> {
    LastError.message
}

@_cdecl("openenv_last_error_details")
public func openenv_last_error_details(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    out?.pointee = nil  // before the stack check, which may refuse the call
    return exported {
        let out = try checkOut(out, named: "out_json")
        try give(LastError.details, to: out)
    }
}

@_cdecl("openenv_string_free")
public func openenv_string_free(_ pointer: UnsafeMutablePointer<CChar>?) {
    free(pointer)
}

@_cdecl("openenv_discover")
public func openenv_discover(
    _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        let result = try discoveryOptions(options).discovery.discover()
        try give(result.json.serialized(), to: out)
    }
}

@_cdecl("openenv_env_info")
public func openenv_env_info(
    _ name: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    lookUp(name, options, out) { $0.referenceInfo }
}

@_cdecl("openenv_action_info")
public func openenv_action_info(
    _ name: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    lookUp(name, options, out) { $0.actionInfo }
}

@_cdecl("openenv_env_details")
public func openenv_env_details(
    _ name: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    lookUp(name, options, out) { $0.json }
}

/// Finds one environment by name and hands `render(info)` out as JSON.
private func lookUp(
    _ name: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, render: (EnvironmentInfo) -> JSONValue
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        let name = try string(name, named: "name")
        let info = try discoveryOptions(options).discovery.environment(named: name)
        try give(render(info).serialized(), to: out)
    }
}

@_cdecl("openenv_list_text")
public func openenv_list_text(
    _ kind: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_text")
        let kindName = try string(kind, named: "kind")
        guard let listing = EnvironmentListing(rawValue: kindName) else {
            let known = EnvironmentListing.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
            throw FFIError(.invalidArgument, "unknown listing kind '\(kindName)'; use \(known)")
        }
        try give(listing.text(for: discoveryOptions(options).discovery.discover()), to: out)
    }
}
