import OpenEnvCore

@_cdecl("openenv_container_watch")
public func openenv_container_watch(_ containerID: UnsafePointer<CChar>?, _ engine: UnsafePointer<CChar>?) -> Int32 {
    exported {
        let container = try string(containerID, named: "container_id")
        let choice = try engine.map { pointer throws(FFIError) in try string(pointer, named: "engine") }
        try ContainerEngine.resolve(choice).removeWhenThisProcessEnds(container)
    }
}
