/* Stand-in for e2e-test-images/nonewprivs: the spec reads the effective
 * uid this setuid-root program runs with. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("Effective uid: %d\n", (int)geteuid());
  return 0;
}
