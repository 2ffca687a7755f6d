# LowBitKMeans: k-means channel clustering and RPTQ reorder planning
# (include/lowbit/Calibration/KMeans.h). Plain C++17 without MLIR or LLVM, so
# passes, tools and the Python package can link it on their own. Included
# from lib/Calibration/CMakeLists.txt with `include(KMeans.cmake)`.
add_library(LowBitKMeans ${CMAKE_CURRENT_LIST_DIR}/KMeans.cpp)
target_include_directories(LowBitKMeans PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>)
set_target_properties(LowBitKMeans PROPERTIES POSITION_INDEPENDENT_CODE ON)
# Clusterings must be bit-identical on every target (a golden checksum in
# unittests/Calibration checks it): never fuse a multiply and an add.
target_compile_options(LowBitKMeans PRIVATE -ffp-contract=off)
