/* detector.h compiles on its own */
#include <lucid/detector.h>
int main(void);
int main(void)
{
	return 0;
}
