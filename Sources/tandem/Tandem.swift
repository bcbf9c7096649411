import TandemCLI

@main
struct Tandem {
    static func main() async {
        await TandemCommand.main()
    }
}
