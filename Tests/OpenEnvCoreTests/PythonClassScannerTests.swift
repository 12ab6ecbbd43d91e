import Testing

@testable import OpenEnvCore

@Suite struct PythonClassScannerTests {
    @Test func readsTopLevelClassesWithMultiLineHeaders() {
        let source = """
            import x
            class A(EnvClient[FooAction, FooObservation, State]):  # the client
                class Inner(Nested):
                    pass
            class B(
                openenv.core.EnvClient[
                    BarAction, BarObservation, BarState
                ],
                metaclass=Meta,
            ):
                pass
            '''
            class InDocstring(Thing):
            '''
            class C:
                pass
            """
        let classes = PythonClassScanner.classes(in: source)
        #expect(classes.map(\.name) == ["A", "B", "C"])
        #expect(classes[0].baseNames == ["EnvClient"])
        #expect(classes[0].genericArguments(ofBaseNamed: "EnvClient") == ["FooAction", "FooObservation", "State"])
        #expect(classes[1].baseNames == ["EnvClient"])
        #expect(classes[1].genericArguments(ofBaseNamed: "EnvClient") == ["BarAction", "BarObservation", "BarState"])
        #expect(classes[2].bases.isEmpty)
    }

    @Test func findsIndirectSubclasses() {
        let classes = PythonClassScanner.classes(in: "class Base(Action):\n    pass\nclass Move(Base):\n    pass\nclass Other(dict):\n    pass\n")
        #expect(PackageSources.subclasses(in: classes, of: ["Action"]).map(\.name) == ["Base", "Move"])
    }

    @Test func readsRelativeImports() {
        let source = """
            from .client import REPLEnv
            from .models import (
                REPLAction,  # comment
                REPLObservation as Obs,
            )
            from os import path
            """
        let imports = PythonClassScanner.relativeImports(in: source)
        #expect(imports["client"] == ["REPLEnv"])
        #expect(imports["models"] == ["REPLAction", "REPLObservation"])
        #expect(imports["os"] == nil)
    }
}
