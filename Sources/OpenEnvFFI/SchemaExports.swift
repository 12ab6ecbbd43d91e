import OpenEnvCore

@_cdecl("openenv_action_fields")
public func openenv_action_fields(_ schema: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        try give(actionSchema(schema).summaryJSON.serialized(), to: out)
    }
}

@_cdecl("openenv_validate_action")
public func openenv_validate_action(
    _ schema: UnsafePointer<CChar>?, _ action: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    exported {
        let out = try checkOut(out, named: "out_json")
        let parsedSchema = try actionSchema(schema)
        let fields = try object(action, named: "action_json", orEmpty: false)
        switch parsedSchema.validate(fields) {
        case .success(let completed): try give(JSONValue.object(completed).serialized(), to: out)
        case .failure(let error):
            throw FFIError(.invalidAction, "\(error)", details: ["title": .string(error.title), "problems": .array(error.problems.map(JSONValue.string))])
        }
    }
}

@_cdecl("openenv_server_schema")
public func openenv_server_schema(
    _ target: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    launchAnswer(target, named: "target", options, out) { target, launch in
        try EnvironmentLauncher.schema(of: target, options: launch)
    }
}

@_cdecl("openenv_server_health")
public func openenv_server_health(
    _ target: UnsafePointer<CChar>?, _ options: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    launchAnswer(target, named: "target", options, out) { target, launch in
        try EnvironmentLauncher.health(of: target, options: launch)
    }
}

/// A schema argument, parsed and understood.
private func actionSchema(_ pointer: UnsafePointer<CChar>?) throws -> ActionSchema {
    guard pointer != nil else { throw FFIError(.invalidArgument, "schema_json is NULL; pass the action's JSON Schema") }
    do {
        return try ActionSchema(json: json(pointer, named: "schema_json"))
    } catch let error as ActionSchema.Invalid {
        throw FFIError(.invalidArgument, "\(error)")
    }
}
