/* image.h compiles on its own */
#include <lucid/image.h>
int main(void);
int main(void)
{
	return 0;
}
