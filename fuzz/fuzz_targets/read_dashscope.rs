//! Any bytes, read as 阿里云百炼 (DashScope) 录音文件识别: no panic, and every call read is sound.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zhijian_fuzz::check(data, Some("阿里云百炼 (DashScope) 录音文件识别"));
});
