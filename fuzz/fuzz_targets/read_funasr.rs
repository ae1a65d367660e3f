//! Any bytes, read as FunASR / Paraformer: no panic, and every call read is sound.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zhijian_fuzz::check(data, Some("FunASR / Paraformer"));
});
