// libFuzzer target: the whole pipeline from capture-file bytes (pcap or pcapng, maybe gzip):
// capture layer, dissector, call model and every conformance rule.
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture_pipeline.h"
#include "dissector/call_store.h"
#include "dissector/conformance.h"
#include "dissector/dissector.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sipws;
  // An in-memory file, opened by path like any capture.
  const int fd = memfd_create("capture", 0);
  if (fd < 0) return 0;
  if (write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  std::string error;
  auto file = CaptureFile::open(path, error);
  if (file) {
    FindingCollector findings;
    CallStore store;
    Dissector dissector(store, findings);
    CaptureLimits limits;
    limits.flows.max_tcp_connections = 64;
    limits.flows.max_buffered_bytes_total = 1u << 20;
    CapturePipeline pipeline(dissector, findings, limits);
    read_capture(*file, pipeline, findings);
    store.finish();
    check_calls(store, findings);
  }
  close(fd);
  return 0;
}
