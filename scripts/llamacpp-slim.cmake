# Included at the end of llama.cpp's own project() call (CMAKE_PROJECT_llama.cpp_INCLUDE) when
# scripts/setup.sh builds llama-cpp-python for forge. llama-cpp-python FORCEs the cache entry
# LLAMA_BUILD_COMMON=ON, yet its Python bindings load only libllama/libggml: a normal variable
# in this directory scope shadows that cache entry, so the common library (arg parsing, chat
# templates, HTTP download; about a third of the C++ to compile) is not built.
set(LLAMA_BUILD_COMMON OFF)
