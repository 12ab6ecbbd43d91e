import Foundation

@testable import OpenEnvCore

/// A real folder tree laid out like a Python site-packages, built file by file for one test
/// and removed when the fixture is released.
final class SitePackagesFixture {
    let root: String

    init() {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("openenv-fixture-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A folder below the root, created on demand.
    @discardableResult
    func folder(_ relative: String) -> String {
        let path = root + "/" + relative
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes a file below the root, creating its folders.
    @discardableResult
    func write(_ relative: String, _ text: String) -> String {
        writeBytes(relative, Array(text.utf8))
    }

    @discardableResult
    func writeBytes(_ relative: String, _ bytes: [UInt8]) -> String {
        let path = root + "/" + relative
        folder(String(relative.split(separator: "/").dropLast().joined(separator: "/")))
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    func remove(_ relative: String) {
        try! FileManager.default.removeItem(atPath: root + "/" + relative)
    }

    /// Installs a distribution the way pip lays out a wheel built from the `openenv init`
    /// template: `<dist-info>/{METADATA,top_level.txt,RECORD,entry_points.txt}` and the import
    /// package with `client.py`, `models.py` and `__init__.py` in `site`.
    func installTemplatePackage(
        site: String = "site", distribution: String, version: String = "0.1.0", module: String, className: String,
        topLevel: Bool = true, record: Bool = true, entryPoint: Bool = true, manifest: String? = nil, summary: String? = nil
    ) {
        let distInfo = "\(site)/\(EnvironmentName.normalizedDistribution(distribution))-\(version).dist-info"
        var metadata = "Metadata-Version: 2.1\nName: \(distribution)\nVersion: \(version)\n"
        if let summary { metadata += "Summary: \(summary)\n" }
        write("\(distInfo)/METADATA", metadata + "Requires-Dist: openenv-core[core]>=0.2.2\n\nLong description\n")
        if topLevel { write("\(distInfo)/top_level.txt", "\(module)\n") }
        if record {
            write("\(distInfo)/RECORD", "\(module)/__init__.py,sha256=x,1\n\(module)/client.py,sha256=x,1\n\(distInfo.split(separator: "/").last!)/RECORD,,\n")
        }
        if entryPoint { write("\(distInfo)/entry_points.txt", "[console_scripts]\nserver = \(module).server.app:main\n") }
        writeTemplateSources(in: "\(site)/\(module)", className: className)
        if let manifest { write("\(site)/\(module)/openenv.yaml", manifest) }
    }

    /// The `openenv init` template's Python sources for class prefix `className`.
    func writeTemplateSources(in folder: String, className: String) {
        write("\(folder)/__init__.py", """
            \"\"\"\(className) Environment.\"\"\"

            from .client import \(className)Env
            from .models import \(className)Action, \(className)Observation

            __all__ = ["\(className)Action", "\(className)Observation", "\(className)Env"]
            """)
        write("\(folder)/client.py", """
            from typing import Dict

            from openenv.core import EnvClient
            from openenv.core.env_server.types import State

            from .models import \(className)Action, \(className)Observation


            class \(className)Env(
                EnvClient[\(className)Action, \(className)Observation, State]
            ):
                \"\"\"
                Client for the environment.

                class NotAClass(Thing):
                \"\"\"

                def _step_payload(self, action: \(className)Action) -> Dict:
                    return {"message": action.message}
            """)
        write("\(folder)/models.py", """
            from openenv.core.env_server.types import Action, Observation
            from pydantic import Field


            class \(className)Action(Action):
                message: str = Field(..., description="Message to echo back")


            class \(className)Observation(Observation):
                echoed_message: str = Field(default="")
            """)
    }
}
