/* comparator.h compiles on its own */
#include <lucid/comparator.h>
int main(void);
int main(void)
{
	return 0;
}
