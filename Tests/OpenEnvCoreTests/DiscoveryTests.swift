import Foundation
import Testing

@testable import OpenEnvCore

/// Discovery over real folder trees laid out as pip lays out installed packages.
@Suite struct DiscoveryTests {
    let fixture = SitePackagesFixture()

    func discover(_ sites: [String] = ["site"]) -> DiscoveryResult {
        Discovery(searchPaths: sites.map { fixture.root + "/" + $0 }, usesCache: false).discover()
    }

    func only(_ result: DiscoveryResult) throws -> EnvironmentInfo {
        try #require(result.environments.count == 1, "\(result)")
        return result.environments[0]
    }

    @Test func readsATemplatePackage() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot", summary: "Parrot Env environment for OpenEnv")
        let info = try only(discover())
        #expect(info.envKey == "parrot")
        #expect(info.name == "parrot_env")
        #expect(info.package == "openenv-parrot_env")
        #expect(info.version == "0.1.0")
        #expect(info.description == "Parrot Env environment for OpenEnv")
        #expect(info.envClass == "ParrotEnv")
        #expect(info.actionClass == "ParrotAction")
        #expect(info.observationClass == "ParrotObservation")
        #expect(info.stateClass == "State")
        #expect(info.module == "parrot_env.client")
        #expect(info.modelsModule == "parrot_env.models")
        #expect(info.defaultImage == "parrot-env:latest")
        #expect(info.specVersion == nil)
        #expect(info.manifest == nil)
        #expect(info.editable == false)
        #expect(info.packagePath == fixture.root + "/site/parrot_env")
    }

    @Test(arguments: ["openenv-echo-env", "OpenEnv-Echo.Env", "openenv_echo_env"])
    func acceptsEverySpellingOfTheDistributionName(_ distribution: String) throws {
        fixture.installTemplatePackage(distribution: distribution, module: "echo_env", className: "Echo")
        let info = try only(discover())
        #expect(info.envKey == "echo")
        #expect(info.package == distribution)
        #expect(info.distInfoPath.hasSuffix("openenv_echo_env-0.1.0.dist-info"))
    }

    @Test func findsTheImportPackageFromTopLevelRecordOrEntryPoint() throws {
        // openenv-web_search installs module websearch_env: name-guessing fails.
        fixture.installTemplatePackage(distribution: "openenv-web_search", module: "websearch_env", className: "WebSearch",
                                       record: false, entryPoint: false, manifest: "spec_version: 1\nname: web_search\napp: server.app:app\nport: 8000\n")
        fixture.installTemplatePackage(site: "site2", distribution: "openenv-repl", module: "repl_env", className: "REPL", topLevel: false, entryPoint: false)
        fixture.installTemplatePackage(site: "site3", distribution: "openenv-chess", module: "chess_game", className: "Chess", topLevel: false, record: false)

        let websearch = try only(discover(["site"]))
        #expect(websearch.envKey == "web_search")
        #expect(websearch.name == "web_search_env")
        #expect(websearch.module == "websearch_env.client")
        #expect(websearch.envClass == "WebSearchEnv")
        #expect(websearch.specVersion == 1)
        #expect(websearch.app == "server.app:app")
        #expect(websearch.port == 8000)

        let repl = try only(discover(["site2"]))
        #expect(repl.envKey == "repl")
        #expect(repl.module == "repl_env.client")
        #expect(repl.envClass == "REPLEnv")
        #expect(repl.actionClass == "REPLAction")
        #expect(repl.observationClass == "REPLObservation")

        let chess = try only(discover(["site3"]))
        #expect(chess.module == "chess_game.client")
        #expect(chess.envClass == "ChessEnv")
    }

    @Test func manifestClassNamesWinOverSource() throws {
        fixture.installTemplatePackage(distribution: "openenv-coding_env", module: "coding_env", className: "Coding",
                                       manifest: "name: coding_env\ndescription: Coding environment\naction: CodeAction\nobservation: CodeObservation\n")
        let info = try only(discover())
        #expect(info.actionClass == "CodeAction")
        #expect(info.observationClass == "CodeObservation")
        #expect(info.envClass == "CodingEnv")
        #expect(info.description == "Coding environment")
        #expect(info.manifestPath == fixture.root + "/site/coding_env/openenv.yaml")
    }

    @Test func classNamesComeFromModelsWhenTheClientHasNoGenerics() throws {
        fixture.installTemplatePackage(distribution: "openenv-maze", module: "maze_env", className: "Maze")
        fixture.write("site/maze_env/client.py", "from openenv.core.mcp_client import MCPToolClient\n\nclass MazeClient(MCPToolClient):\n    pass\n")
        fixture.write("site/maze_env/models.py", "class BaseMove(Action):\n    pass\n\nclass MoveAction(BaseMove):\n    pass\n\nclass MazeView(Observation):\n    pass\n")
        let info = try only(discover())
        #expect(info.envClass == "MazeClient")
        #expect(info.actionClass == "BaseMove")
        #expect(info.observationClass == "MazeView")
        #expect(info.stateClass == nil)
    }

    @Test func conventionsAreTheLastResort() throws {
        fixture.installTemplatePackage(distribution: "openenv-bare", module: "bare_env", className: "Bare")
        fixture.write("site/bare_env/client.py", "# nothing here\n")
        fixture.remove("site/bare_env/models.py")
        fixture.write("site/bare_env/__init__.py", "")
        let info = try only(discover())
        #expect(info.envClass == "BareEnv")
        #expect(info.actionClass == "BareAction")
        #expect(info.observationClass == "BareObservation")
        #expect(info.modelsModule == "bare_env.client")
    }

    @Test func findsEnvironmentsWithoutTheOpenenvPrefix() throws {
        // A manifest makes it an environment...
        fixture.installTemplatePackage(distribution: "grid_world_env", module: "grid_world_env", className: "GridWorld",
                                       manifest: "spec_version: 1\nname: grid_world\n")
        // ...and so does a client class deriving from EnvClient, without a manifest.
        fixture.installTemplatePackage(distribution: "snake-game", module: "snake_game", className: "Snake")
        // A plain package with a client.py is not one.
        fixture.write("site/requests_lib-2.0.dist-info/METADATA", "Name: requests-lib\nVersion: 2.0\n")
        fixture.write("site/requests_lib-2.0.dist-info/top_level.txt", "requests_lib\n")
        fixture.write("site/requests_lib/__init__.py", "")
        fixture.write("site/requests_lib/client.py", "class Client(object):\n    pass\n")
        let keys = discover().environments.map(\.envKey)
        #expect(keys == ["grid_world", "snake_game"])
    }

    @Test func skipsTheFrameworkItself() {
        for name in ["openenv-core", "openenv", "openenv-swift"] {
            let folder = EnvironmentName.normalizedDistribution(name)
            fixture.write("site/\(folder)-0.3.0.dist-info/METADATA", "Name: \(name)\nVersion: 0.3.0\n")
            fixture.write("site/\(folder)-0.3.0.dist-info/top_level.txt", "openenv\n")
        }
        fixture.write("site/openenv/__init__.py", "")
        fixture.write("site/openenv/core/__init__.py", "")
        let result = discover()
        #expect(result.environments.isEmpty)
        #expect(result.warnings.isEmpty)
    }

    @Test func readsLegacyEggInfo() throws {
        fixture.write("site/openenv_old_env-0.2.egg-info/PKG-INFO", "Metadata-Version: 1.0\nName: openenv-old_env\nVersion: 0.2\nSummary: An old environment\n")
        fixture.write("site/openenv_old_env-0.2.egg-info/top_level.txt", "old_env\n")
        fixture.writeTemplateSources(in: "site/old_env", className: "Old")
        let info = try only(discover())
        #expect(info.envKey == "old")
        #expect(info.version == "0.2")
        #expect(info.description == "An old environment")
    }

    @Test func readsSetuptoolsEditableInstalls() throws {
        let source = fixture.folder("src/grid_env")
        fixture.writeTemplateSources(in: "src/grid_env", className: "Grid")
        fixture.write("src/grid_env/openenv.yaml", "spec_version: 1\nname: grid_env\ntype: space\nruntime: fastapi\napp: server.app:app\nport: 8000\n")
        let distInfo = "site/openenv_grid_env-0.1.0.dist-info"
        fixture.write("\(distInfo)/METADATA", "Name: openenv-grid_env\nVersion: 0.1.0\n")
        fixture.write("\(distInfo)/top_level.txt", "grid_env\n")
        fixture.write("\(distInfo)/direct_url.json", "{\"dir_info\": {\"editable\": true}, \"url\": \"file://\(source)\"}")
        fixture.write("\(distInfo)/RECORD", "__editable__.openenv_grid_env-0.1.0.pth,,\n__editable___openenv_grid_env_0_1_0_finder.py,,\n")
        fixture.write("site/__editable__.openenv_grid_env-0.1.0.pth", "import __editable___openenv_grid_env_0_1_0_finder; __editable___openenv_grid_env_0_1_0_finder.install()\n")
        fixture.write("site/__editable___openenv_grid_env_0_1_0_finder.py", "import sys\nMAPPING: dict[str, str] = {'grid_env': '\(source)'}\nNAMESPACES = {}\n")
        let info = try only(discover())
        #expect(info.envKey == "grid")
        #expect(info.editable)
        #expect(info.packagePath == source)
        #expect(info.manifestPath == source + "/openenv.yaml")
        #expect(info.specVersion == 1)
        #expect(info.app == "server.app:app")
    }

    @Test func readsPathFileEditableInstalls() throws {
        fixture.writeTemplateSources(in: "checkout/src/tiles_env", className: "Tiles")
        fixture.write("checkout/openenv.yaml", "name: tiles\naction: TileMove\n")
        let distInfo = "site/openenv_tiles-1.0.dist-info"
        fixture.write("\(distInfo)/METADATA", "Name: openenv-tiles\nVersion: 1.0\n")
        fixture.write("\(distInfo)/direct_url.json", "{\"url\": \"file://\(fixture.root)/checkout\", \"dir_info\": {\"editable\": true}}")
        fixture.write("site/__editable__.openenv_tiles-1.0.pth", "\(fixture.root)/checkout/src\n")
        let info = try only(discover())
        #expect(info.envKey == "tiles")
        #expect(info.module == "tiles_env.client")
        #expect(info.actionClass == "TileMove")
        #expect(info.editable)
    }

    @Test func theFirstDistributionOnTheSearchPathWins() throws {
        fixture.installTemplatePackage(site: "first", distribution: "openenv-parrot_env", version: "2.0", module: "parrot_env", className: "Parrot")
        fixture.installTemplatePackage(site: "second", distribution: "openenv-parrot_env", version: "1.0", module: "parrot_env", className: "Parrot")
        let result = discover(["first", "second"])
        #expect(try only(result).version == "2.0")
        #expect(result.warnings.isEmpty)
    }

    @Test func twoDistributionsClaimingOneKeyKeepTheFirstAndWarn() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        fixture.installTemplatePackage(distribution: "parrot-fork", module: "parrot_fork", className: "Parrot", manifest: "name: parrot\n")
        let result = discover()
        #expect(try only(result).package == "openenv-parrot_env")
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.message.contains("also provided by openenv-parrot_env") == true)
    }

    @Test func aMalformedManifestDegradesOnePackageWithAWarning() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot", manifest: "name: [unclosed\n")
        fixture.installTemplatePackage(distribution: "openenv-other", module: "other_env", className: "Other")
        let result = discover()
        #expect(result.environments.map(\.envKey) == ["other", "parrot"])
        let parrot = result.environments[1]
        #expect(parrot.manifest == nil)
        #expect(parrot.actionClass == "ParrotAction")
        #expect(result.warnings.map(\.path) == [fixture.root + "/site/parrot_env/openenv.yaml"])
        #expect(result.warnings[0].message.contains("invalid manifest"))
    }

    @Test func aFIFOWhereAFileShouldBeIsPassedOverWithoutWaiting() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        fixture.installTemplatePackage(distribution: "openenv-other", module: "other_env", className: "Other")
        for fifo in ["site/parrot_env/openenv.yaml", "site/other_env/client.py", "site/openenv_broken-0.1.dist-info/METADATA"] {
            fixture.folder(String(fifo.split(separator: "/").dropLast().joined(separator: "/")))
            unlink(fixture.root + "/" + fifo)
            #expect(mkfifo(fixture.root + "/" + fifo, 0o644) == 0)
        }
        // On a thread of its own, so that a regression fails here instead of hanging the run.
        let finished = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: DiscoveryResult?
        let discovery = Discovery(searchPaths: [fixture.root + "/site"], usesCache: false)
        Thread.detachNewThread {
            result = discovery.discover()
            finished.signal()
        }
        try #require(finished.wait(timeout: .now() + 60) == .success, "discovery blocked on a FIFO")
        #expect(Set(["other", "parrot"]).isSubset(of: result?.environments.map(\.envKey) ?? []))
        #expect(result?.warnings.contains { $0.path == fixture.root + "/site/parrot_env/openenv.yaml" && $0.message.contains("not a regular file") } == true)
    }

    @Test func unreadableAndNonUTF8MetadataAreReportedAndSurvived() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        // METADATA that is a folder cannot be read; the folder name stands in.
        fixture.folder("site/openenv_broken_env-0.3.dist-info/METADATA")
        fixture.write("site/openenv_broken_env-0.3.dist-info/top_level.txt", "broken_env\n")
        fixture.writeTemplateSources(in: "site/broken_env", className: "Broken")
        // Latin-1 bytes in METADATA.
        fixture.writeBytes("site/openenv_latin_env-1.0.dist-info/METADATA", Array("Name: openenv-latin_env\nVersion: 1.0\nSummary: caf".utf8) + [0xE9, 0x0A])
        fixture.write("site/openenv_latin_env-1.0.dist-info/top_level.txt", "latin_env\n")
        fixture.writeTemplateSources(in: "site/latin_env", className: "Latin")
        let result = discover()
        #expect(result.environments.map(\.envKey) == ["broken", "latin", "parrot"])
        #expect(result.environments[0].version == "0.3")
        #expect(result.environments[1].description == "caf\u{FFFD}")
        let paths = Set(result.warnings.map(\.path))
        #expect(paths == [
            fixture.root + "/site/openenv_broken_env-0.3.dist-info/METADATA",
            fixture.root + "/site/openenv_latin_env-1.0.dist-info/METADATA",
        ])
    }

    @Test func metadataWithoutANameFallsBackToTheFolderName() throws {
        fixture.write("site/openenv_anon_env-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nVersion: 0.1\n")
        fixture.write("site/openenv_anon_env-0.1.dist-info/top_level.txt", "anon_env\n")
        fixture.writeTemplateSources(in: "site/anon_env", className: "Anon")
        let result = discover()
        #expect(try only(result).package == "openenv_anon_env")
        #expect(result.warnings.first?.message.contains("no Name field") == true)
    }

    @Test func aPrefixedDistributionWithoutItsCodeIsSkippedWithAWarning() {
        fixture.write("site/openenv_ghost-0.1.dist-info/METADATA", "Name: openenv-ghost\nVersion: 0.1\n")
        let result = discover()
        #expect(result.environments.isEmpty)
        #expect(result.warnings.count == 1)
        #expect(result.warnings.first?.message.contains("pip install --force-reinstall openenv-ghost") == true)
    }

    @Test func survivesSymlinkLoops() throws {
        fixture.installTemplatePackage(distribution: "openenv-parrot_env", module: "parrot_env", className: "Parrot")
        let site = fixture.root + "/site"
        try FileManager.default.createSymbolicLink(atPath: site + "/openenv_loop-1.0.dist-info", withDestinationPath: site + "/openenv_loop-1.0.dist-info")
        try FileManager.default.createSymbolicLink(atPath: site + "/self", withDestinationPath: site)
        try FileManager.default.createSymbolicLink(atPath: site + "/loop_env", withDestinationPath: site + "/loop_env")
        let result = discover(["site", "site/self"])
        #expect(result.environments.map(\.envKey) == ["parrot"])
        #expect(result.warnings.contains { $0.path.hasPrefix(site + "/openenv_loop-1.0.dist-info") })
    }

    @Test func searchPathsAreNormalized() {
        let site = fixture.folder("site")
        fixture.write("file.zip", "")
        let paths = SearchPaths.normalize([site, site + "/", fixture.root + "/missing", fixture.root + "/file.zip", site + "/../site"])
        #expect(paths == [FileSystem.realPath(site)!])
    }
}
