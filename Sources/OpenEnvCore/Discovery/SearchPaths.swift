import Foundation

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
        let workingDirectory = FileManager.default.currentDirectoryPath
        return paths.compactMap { path -> String? in
            let absolute = path.isEmpty ? workingDirectory : (path.hasPrefix("/") ? path : FileSystem.join(workingDirectory, path))
            guard let resolved = FileSystem.realPath(absolute), FileSystem.isDirectory(resolved) else { return nil }
            return resolved
        }.uniqued()
    }

    /// The `sys.path` of the `python3` on `PATH`, or empty when there is none.
    static func pythonSysPath() -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print('\\n'.join(sys.path))"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return []
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
