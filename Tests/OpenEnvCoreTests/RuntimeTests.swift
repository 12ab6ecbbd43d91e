import Foundation
import Testing

@testable import OpenEnvCore

@Suite struct HubRepositoryTests {
    @Test(arguments: [
        ("meta-pytorch/echo_env", "meta-pytorch", "echo_env"),
        ("https://huggingface.co/spaces/Owner/My.Space", "Owner", "My.Space"),
        ("huggingface.co/spaces/a/b/", "a", "b"),
        (" spaces/user_1/env-2 ", "user_1", "env-2"),
    ])
    func parsesRepoIDsAndURLs(_ name: String, _ owner: String, _ space: String) throws {
        let repository = try HubRepository(name)
        #expect(repository.owner == owner)
        #expect(repository.space == space)
    }

    @Test(arguments: [
        ("a/b/c", "exactly 'owner/space'"), ("../x", "starts or ends"), ("/x", "an empty part"), ("owner/", "exactly"),
        ("own er/x", "the character ' '"), ("o/x$", "the character '$'"), ("o/é", "the character 'é'"), ("a--b/x", "'--' or '..'"),
        ("a/b..c", "'--' or '..'"), ("x/" + String(repeating: "a", count: 97), "longer than 96"), ("noslash", "exactly"),
    ])
    func refusesWhatTheHubRefuses(_ name: String, _ reason: String) {
        do {
            _ = try HubRepository(name)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func derivesTheSpaceAddresses() throws {
        let repository = try HubRepository("Meta-PyTorch/Coding_Env.v2")
        #expect(repository.spaceURL == "https://meta-pytorch-coding-env-v2.hf.space")
        #expect(repository.dockerImage == "registry.hf.space/meta-pytorch-coding-env-v2:latest")
        #expect(repository.gitURL(endpoint: "https://huggingface.co") == "git+https://huggingface.co/spaces/Meta-PyTorch/Coding_Env.v2")
        #expect(repository.gitURL(endpoint: "http://127.0.0.1:9/") == "git+http://127.0.0.1:9/spaces/Meta-PyTorch/Coding_Env.v2")
    }
}

@Suite struct LaunchTests {
    @Test func dockerRunArgumentsPublishOnLoopbackAndPassVariables() {
        let arguments = DockerContainer.runArguments(image: "parrot-env:latest", port: 4321, environmentVariables: ["B": "2", "A": "x y"], owner: "h/b/1/2")
        #expect(arguments == ["run", "-d", "--pull=never", "--label", "org.openenv-swift.owner=h/b/1/2", "-p", "127.0.0.1:4321:8000",
                              "-e", "A=x y", "-e", "B=2", "parrot-env:latest"])
    }

    @Test func theOwnerLabelNamesThisProcessByPidAndStartTime() throws {
        let parts = ContainerWatcher.owner.split(separator: "/").map(String.init)
        #expect(parts.count == 4)
        #expect(parts[2] == String(getpid()))
        #expect(parts[3] == ContainerWatcher.startTime(of: "/proc/\(getpid())/stat"))
        #expect(Int(parts[3]) != nil)
    }

    @Test func anEngineNamedButMissingSaysWhoNamedIt() {
        #expect(throws: RuntimeError.noContainerEngine(
            "the container engine '/nonexistent/podman' named by the container_engine option is not installed (not a file)")) {
            try ContainerEngine.resolve("/nonexistent/podman")
        }
    }

    @Test func theWatcherScriptIsValidShell() {
        let checked = ChildProcess.run("/bin/sh", ["-n", "-c", ContainerWatcher.script], mergingErrors: true)
        #expect(checked.status == 0, "\(checked.output)")
    }

    @Test func aMissingImageIsToldFromOtherRunFailures() {
        #expect(DockerContainer.saysImageIsMissing("Error: localhost/x:1: image not known"))
        #expect(DockerContainer.saysImageIsMissing("docker: Error response from daemon: No such image: x:1."))
        #expect(!DockerContainer.saysImageIsMissing("Error: cannot listen on the TCP port: address already in use"))
    }

    @Test func dockerRefusesBadImagesAndVariables() {
        #expect(throws: RuntimeError.invalidOption("invalid Docker image name '--privileged'")) { try DockerContainer(image: "--privileged") }
        #expect(throws: RuntimeError.invalidOption("invalid environment variable name 'A=B'")) {
            try DockerContainer(image: "x", environmentVariables: ["A=B": "1"])
        }
    }

    @Test func theAppComesFromTheManifestOrTheTemplate() {
        var info = EnvironmentInfo(
            envKey: "web_search", name: "web_search_env", package: "openenv-web_search", version: "1", description: "",
            envClass: "E", actionClass: "A", observationClass: "O", stateClass: nil, module: "websearch_env.client",
            modelsModule: "websearch_env.models", importName: "websearch_env", defaultImage: "web-search-env:latest",
            specVersion: nil, app: nil, port: nil, manifest: nil, manifestPath: nil, packagePath: "/p", distInfoPath: "/d",
            searchPath: "/venv/lib/python3.11/site-packages", editable: false)
        #expect(LocalServerProcess.appPath(for: info) == "websearch_env.server.app:app")
        info.app = "custom.main:application"
        #expect(LocalServerProcess.appPath(for: info) == "websearch_env.custom.main:application")
    }

    @Test func launchOptionsAreCheckedKeyByKey() throws {
        let options = try LaunchOptions(json: try JSONParser().parse(
            "{\"docker_image\": \"img\", \"wait_timeout\": 5, \"env_vars\": {\"K\": \"V\"}, \"message_timeout\": 2, \"search_paths\": []}"))
        #expect(options.useDocker && options.dockerImage == "img" && options.waitTimeout == 5)
        #expect(options.environmentVariables == ["K": "V"] && options.session.messageTimeout == 2)
        for (text, message) in [
            ("{\"wait_timout\": 1}", "unknown option 'wait_timout'"), ("{\"wait_timeout\": 0}", "wait_timeout"),
            ("{\"env_vars\": {\"K\": 1}}", "env_vars['K']"), ("{\"runtime\": \"podman\"}", "\"process\" or \"docker\""),
            ("{\"message_timeout\": \"x\"}", "message_timeout"), ("{\"search_paths\": 3}", "search_paths"),
        ] {
            do {
                _ = try LaunchOptions(json: try JSONParser().parse(text))
                Issue.record("\(text) was accepted")
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    @Test func theInterpreterOfAVirtualenvIsFoundFromItsSitePackages() {
        #expect(LocalServerProcess.interpreter(owning: LiveServer.repository.appendingPathComponent(".venv/lib/python3.11/site-packages").path)
            == LiveServer.repository.appendingPathComponent(".venv/bin/python").path)
        #expect(LocalServerProcess.interpreter(owning: "/nowhere").hasSuffix("python3"))
    }
}

@Suite struct ActionSchemaTests {
    static let schema: JSONValue = try! JSONParser().parse("""
        {"title": "MoveAction", "type": "object", "additionalProperties": false, "required": ["direction"],
         "properties": {"direction": {"enum": ["up", "down"]}, "steps": {"type": "integer", "default": 1, "exclusiveMinimum": 0},
                        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
        """)

    @Test func fillsDefaultsInSchemaOrder() throws {
        let schema = try ActionSchema(json: ["action": Self.schema])
        #expect(schema.title == "MoveAction")
        #expect(schema.fields.map(\.name) == ["direction", "steps", "note"])
        #expect(try schema.validate(["direction": "up"]).get() == ["direction": "up", "steps": 1])
        #expect(try schema.validate(["steps": 2.0, "direction": "down", "note": nil]).get() == ["direction": "down", "steps": 2.0, "note": nil])
    }

    @Test func reportsEveryProblem() throws {
        let schema = try ActionSchema(json: Self.schema)
        guard case .failure(let error) = schema.validate(["steps": 0, "note": 5, "extra": true]) else {
            Issue.record("expected problems")
            return
        }
        #expect(error.problems.count == 4)
        #expect(error.description.hasPrefix("invalid MoveAction: missing required field 'direction'"))
        #expect(error.problems.contains("field 'steps': 0 must be more than 0"))
        #expect(error.problems.contains { $0.hasPrefix("unknown field 'extra'") })
    }

    @Test func requiredAndPropertiesInsideAllOfApplyAtTheTopAndNested() throws {
        let schema = try ActionSchema(json: JSONParser().parse("""
            {"title": "Composed", "type": "object", "additionalProperties": false,
             "allOf": [{"$ref": "#/$defs/Base"}, {"required": ["limit"], "properties": {"limit": {"type": "integer", "maximum": 9}},
                       "allOf": [{"required": ["deep"], "properties": {"deep": {"type": "string"}}}]}],
             "properties": {"limit": {"minimum": 1}},
             "$defs": {"Base": {"required": ["target"], "properties": {"target": {"type": "object", "allOf": [{"required": ["id"]}]}}}}}
            """))
        #expect(schema.fields.map(\.name) == ["limit", "target", "deep"])
        #expect(schema.fields.map(\.required) == [true, true, true])
        guard case .failure(let error) = schema.validate(["limit": 12, "target": [:]]) else {
            Issue.record("expected problems")
            return
        }
        #expect(error.problems == ["missing required field 'deep'", "field 'limit': 12 is more than the maximum 9", "field 'target.id': missing"])
        #expect(try schema.validate(["limit": 3, "target": ["id": 1], "deep": "x"]).get() == ["limit": 3, "target": ["id": 1], "deep": "x"])
        guard case .failure(let low) = schema.validate(["limit": 0, "target": ["id": 1], "deep": "x", "other": 1]) else {
            Issue.record("expected problems")
            return
        }
        #expect(low.problems.count == 2 && low.problems[0] == "field 'limit': 0 is less than the minimum 1" && low.problems[1].hasPrefix("unknown field 'other'"))
    }

    @Test func anAllOfThatNamesItselfTwiceIsGatheredOnce() throws {
        let schema = try ActionSchema(json: JSONParser().parse("""
            {"allOf": [{"$ref": "#/$defs/A"}], "$defs": {"A": {"required": ["n"], "properties": {"n": {"type": "integer"}},
             "allOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/A"}, {"$ref": "#/$defs/A"}]}}}
            """))
        #expect(schema.fields.map(\.name) == ["n"] && schema.fields[0].schema == ["type": "integer"])
        guard case .failure(let error) = schema.validate([:]) else {
            Issue.record("expected problems")
            return
        }
        #expect(error.problems == ["missing required field 'n'"])
    }

    @Test func refusesSchemasThatAreNotObjects() {
        #expect(throws: ActionSchema.Invalid.self) { try ActionSchema(json: ["type": "array"]) }
        #expect(throws: ActionSchema.Invalid.self) { try ActionSchema(json: [1, 2]) }
    }
}

@Suite struct LocalServerPortTests {
    @Test func aPortTakenBeforeTheServerBindsItIsReplacedByAnother() throws {
        let sitePackages = LiveServer.repository.appendingPathComponent(".venv/lib/python3.11/site-packages").path
        let environment = try Discovery(searchPaths: [sitePackages], usesCache: false).environment(named: "parrot")
        let taken = LocalServerProcess.loopbackSocket()
        listen(taken.descriptor, 1)
        defer { close(taken.descriptor) }
        var chosen: [Int] = []
        let server = try LocalServerProcess(environment: environment, python: nil, environmentVariables: [:], waitTimeout: 60) {
            chosen.append(chosen.isEmpty ? taken.port : LocalServerProcess.freePort())
            return chosen.last!
        }
        defer { server.stop() }
        #expect(chosen.count == 2 && chosen[0] == taken.port)
        #expect(server.baseURL == "http://127.0.0.1:\(chosen[1])")
        #expect(try HTTPClient.getJSON(ServerAddress(server.baseURL), route: "/health", timeout: 5, maximumSize: 1 << 16)["status"] == "healthy")
    }
}
