# Runs `brainvm test` on tests/runner_fixtures/broken, whose expectations are
# all deliberately wrong, and passes only if the run fails (exit 1) with a
# readable diff for each kind of expectation and a valid-looking JUnit file.
#
#   cmake -DBRAINVM=path/to/brainvm -DFIXTURES=dir -DWORK=dir -P check_broken.cmake
foreach(var BRAINVM FIXTURES WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_broken.cmake: -D${var}=... is required")
  endif()
endforeach()

file(MAKE_DIRECTORY ${WORK})
set(junit ${WORK}/broken-junit.xml)
file(REMOVE ${junit})
execute_process(
  COMMAND ${BRAINVM} test ${FIXTURES} -j 2 --junit ${junit}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
message(STATUS "brainvm test output:\n${out}${err}")

set(problems "")
if(NOT rc EQUAL 1)
  string(APPEND problems "exit code ${rc}, expected 1\n")
endif()
# One snippet per kind of difference (literal substrings of stdout).
set(snippets
  "FAIL "
  "result differs\n    - expected: 43\n    + got:      42"
  "output differs (expected 3 lines, got 2)"
  "@@ -1,3 +1,2 @@\n     one\n    -TWO\n    -three\n    +two"
  "status differs\n    - expected: done\n    + got:      ticks"
  "+ got:      (absent; status \"ticks\")"
  "no fiber or rule faulted with ScriptError: division..."
  "+ got:      fiber 1 (main): HostError: division by zero"
  "a fiber or rule faulted (exit 70)"
  "no error at line 5 containing \"unknown label\""
  "report differs from wrong_report.expected.json at $.result\n    - expected: 2\n    + got:      1"
  "\n0 passed, 7 failed\n")
foreach(s IN LISTS snippets)
  string(FIND "${out}" "${s}" at)
  if(at EQUAL -1)
    string(APPEND problems "stdout lacks: ${s}\n")
  endif()
endforeach()

if(NOT EXISTS ${junit})
  string(APPEND problems "no JUnit file written\n")
else()
  file(READ ${junit} xml)
  foreach(s "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            "tests=\"7\" failures=\"7\""
            "<testcase classname=\"" "name=\"wrong_result.bvasm\""
            "<failure message=\"result differs\" type=\"failure\">")
    string(FIND "${xml}" "${s}" at)
    if(at EQUAL -1)
      string(APPEND problems "JUnit file lacks: ${s}\n")
    endif()
  endforeach()
endif()

if(problems)
  message(FATAL_ERROR "broken fixtures did not fail as expected:\n${problems}")
endif()
message(STATUS "ok: the broken expectations fail with diffs")
