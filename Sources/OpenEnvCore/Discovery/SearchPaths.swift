/// Where discovery looks for installed packages.
public enum SearchPaths {
    /// `explicit` when given (the Python binding passes its `sys.path`), else `OPENENV_PATH`
    /// and `PYTHONPATH` followed by the `sys.path` of the `python3` on `PATH`; normalized by
    /// ``normalize(_:)``.
    public static func resolve(_ explicit: [String]?) -> [String] {
        if let explicit { return normalize(explicit) }
        var paths: [String] = []
        for variable in ["OPENENV_PATH", "PYTHONPATH"] {
            if let value = FileSystem.environment(variable) {
                paths.append(contentsOf: value.split(separator: ":").map(String.init))
            }
        }
        paths.append(contentsOf: pythonSysPath())
        return normalize(paths)
    }

    /// Absolute, link-resolved folders in first-seen order; `""` means the working directory
    /// as it does in `sys.path`; entries that are not existing folders (zip files, missing
    /// paths) are dropped.
    public static func normalize(_ paths: [String]) -> [String] {
        let workingDirectory = FileSystem.currentDirectory
        return paths.compactMap { path -> String? in
            let absolute = path.isEmpty ? workingDirectory : (path.hasPrefix("/") ? path : FileSystem.join(workingDirectory, path))
            guard let resolved = FileSystem.realPath(absolute), FileSystem.isDirectory(resolved) else { return nil }
            return resolved
        }.uniqued()
    }

    /// The `sys.path` of the `python3` on `PATH`, or empty when there is none.
    static func pythonSysPath() -> [String] {
        let run = ChildProcess.run("/usr/bin/env", ["python3", "-c", "import sys; print('\\n'.join(sys.path))"], mergingErrors: false)
        guard run.status == 0 else { return [] }
        return run.output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
