# Project-wide compile flags: warnings everywhere, errors in CI, sanitizers on request.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
                    -Wcast-align -Woverloaded-virtual -Wformat=2)
if(XCP_WERROR)
  add_compile_options(-Werror)
endif()
if(XCP_SANITIZE)
  # -O1 with line tables: what the sanitizers' reports need, built in about
  # half the time of -O2 -g (Beast's templates dominate).
  string(REPLACE "-O2 -g" "-O1 -g1" CMAKE_CXX_FLAGS_RELWITHDEBINFO "${CMAKE_CXX_FLAGS_RELWITHDEBINFO}")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(XCP_TSAN)
  if(XCP_SANITIZE)
    message(FATAL_ERROR "XCP_TSAN and XCP_SANITIZE cannot be combined: ThreadSanitizer excludes AddressSanitizer")
  endif()
  string(REPLACE "-O2 -g" "-O1 -g1" CMAKE_CXX_FLAGS_RELWITHDEBINFO "${CMAKE_CXX_FLAGS_RELWITHDEBINFO}")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # Boost.Asio's std::atomic reference counts release with a fence, which
  # ThreadSanitizer does not model (a false race on every shared executor);
  # its other counts are sequentially consistent and seen.
  add_compile_definitions(BOOST_ASIO_DISABLE_STD_ATOMIC)
  add_link_options(-fsanitize=thread)
endif()
