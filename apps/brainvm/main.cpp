#include "cli_main.h"

int main(int argc, char** argv) { return brainvm::cli::cliMain(argc, argv); }
