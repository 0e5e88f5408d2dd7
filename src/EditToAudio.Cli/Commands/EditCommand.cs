using System.CommandLine;

namespace EditToAudio.Cli.Commands;

/// <summary><c>edit2audio edit</c>: the edit math on NumPy token and mask arrays.</summary>
internal static class EditCommand
{
    public static Command Create()
    {
        var command = new Command("edit", "Suppress the removed object, boost the added one and mix in the background, on .npy tokens and masks.");
        command.SetAction(_ => 0);
        return command;
    }
}
