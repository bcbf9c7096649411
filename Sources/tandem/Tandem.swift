import Foundation
import TandemCLI
import TandemEngine

@main
struct Tandem {
    static func main() async {
        AllocatorTuning.apply(environment: ProcessInfo.processInfo.environment)
        await TandemCommand.main()
    }
}
