// mimalloc keeps small allocations of one size together and backs its
// heap with huge pages: a container of a million sockets is millions of
// small objects, and with the system allocator their page faults and
// scattered shared strings cost more than reading the tables.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cfmini::cli::main());
}
