// Malformed .npz archives: one-line errors naming the archive (and member).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np, zipfile; \
// RUN:   p = lambda n: '%t/' + n; \
// RUN:   a = np.zeros((2, 3), np.float32); \
// RUN:   np.savez(p('good.npz'), a); good = open(p('good.npz'), 'rb').read(); \
// RUN:   open(p('truncated.npz'), 'wb').write(good[:-30]); \
// RUN:   i = good.index(b'NUMPY') + 100; \
// RUN:   open(p('crc.npz'), 'wb').write(good[:i] + bytes([good[i] ^ 1]) + good[i + 1:]); \
// RUN:   z = zipfile.ZipFile(p('text.npz'), 'w'); z.writestr('notes.txt', 'hello'); z.close(); \
// RUN:   z = zipfile.ZipFile(p('bz2.npz'), 'w', zipfile.ZIP_BZIP2); z.writestr('arg0.npy', b'x' * 100); z.close(); \
// RUN:   np.savez(p('fortran.npz'), x=np.asfortranarray(a))"
//
// RUN: not quant-run %s --entry f --input %t/truncated.npz 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: quant-run: error: {{.*}}truncated.npz: not a zip archive (no end of central directory record; truncated?)
// TRUNC-NOT: {{.}}
// RUN: not quant-run %s --entry f --input %t/crc.npz 2>&1 | FileCheck %s --check-prefix=CRC
// CRC: quant-run: error: {{.*}}crc.npz: CRC mismatch in member 'arr_0.npy' (corrupt archive)
// RUN: not quant-run %s --entry f --input %t/text.npz 2>&1 | FileCheck %s --check-prefix=TEXT
// TEXT: quant-run: error: {{.*}}text.npz: member 'notes.txt' is not a .npy file
// RUN: not quant-run %s --entry f --input %t/bz2.npz 2>&1 | FileCheck %s --check-prefix=BZ2
// BZ2: quant-run: error: {{.*}}bz2.npz: member 'arg0.npy' uses unsupported compression method 12 (only stored and deflate)
// RUN: not quant-run %s --entry f --input %t/fortran.npz 2>&1 | FileCheck %s --check-prefix=MEMBER
// MEMBER: quant-run: error: {{.*}}fortran.npz:x.npy: Fortran-order arrays are not supported

func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
