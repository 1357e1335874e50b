// `hedged journal verify|inspect|tail DIR`: the operator's view of a journal directory.
//   verify   checks every segment and record (magic, lengths, CRC32C, sequence continuity) and
//            prints a summary; exit 0 clean, 1 torn tail (recovered at the next start) or corrupt
//   inspect  prints every record, one line each: sequence, time, type and what it says
//            (instruments by symbol with -c CONFIG, by number without)
//   tail     prints the last N records (-n N, default 20); --follow keeps printing new ones
// A DIR that is missing, not a directory or without journal segments is an error (exit 2);
// --help prints the usage on stdout.
#pragma once

#include <string>
#include <vector>

namespace hedged::app {

// Runs the command on args (the words after `journal`); returns the exit status.
int journal_command(const std::vector<std::string>& args);

}  // namespace hedged::app
