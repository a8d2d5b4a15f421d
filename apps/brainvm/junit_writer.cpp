#include "junit_writer.h"

#include <cstdint>
#include <cstdio>

namespace brainvm::cli::testrun {

namespace {

// Decodes one UTF-8 sequence at s[i]. Returns its length (1..4) and the code
// point, or 0 for an invalid sequence (overlong, surrogate, out of range,
// truncated, stray continuation byte).
size_t decodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

std::string formatSeconds(double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", seconds);
  return buf;
}

}  // namespace

std::string xmlEscape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t len = decodeUtf8(text, i, cp);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for an invalid byte
      ++i;
      continue;
    }
    std::string_view raw = text.substr(i, len);
    i += len;
    switch (cp) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += attribute ? "&quot;" : "\"";
        continue;
      case '\'':
        out += attribute ? "&apos;" : "'";
        continue;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        continue;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        continue;
      case '\r':
        out += "&#13;";  // a literal CR would be normalised away
        continue;
      default:
        break;
    }
    if (cp < 0x20 || cp == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
      out += buf;
    } else if (cp == 0xFFFE || cp == 0xFFFF) {
      out += cp == 0xFFFE ? "\\uFFFE" : "\\uFFFF";
    } else {
      out += raw;
    }
  }
  return out;
}

std::string renderJUnit(std::string_view suiteName,
                        const std::vector<JUnitCase>& cases,
                        double totalSeconds) {
  size_t failures = 0;
  for (const JUnitCase& c : cases) failures += c.failed ? 1 : 0;
  const std::string counts = " tests=\"" + std::to_string(cases.size()) +
                             "\" failures=\"" + std::to_string(failures) +
                             "\" errors=\"0\"";
  const std::string name = xmlEscape(suiteName, true);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"" + name + "\"" + counts + " time=\"" +
         formatSeconds(totalSeconds) + "\">\n";
  out += "  <testsuite name=\"" + name + "\"" + counts +
         " skipped=\"0\" time=\"" + formatSeconds(totalSeconds) + "\">\n";
  for (const JUnitCase& c : cases) {
    out += "    <testcase classname=\"" + xmlEscape(c.classname, true) +
           "\" name=\"" + xmlEscape(c.name, true) + "\" time=\"" +
           formatSeconds(c.seconds) + "\"";
    if (!c.failed) {
      out += "/>\n";
      continue;
    }
    out += ">\n      <failure message=\"" + xmlEscape(c.failureMessage, true) +
           "\" type=\"failure\">" + xmlEscape(c.failureBody, false) +
           "</failure>\n    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace brainvm::cli::testrun
