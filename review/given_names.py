"""Common given names, for telling a person Elena names from any other capitalised word
(review.fact_names).

English, Hispanic, South Asian, East Asian, African and European first names. Left out are
names that are also common English words or finance terms (Will, Grace, Mark, Penny, Chase,
Roth, Sterling, Price, Miles), months (May, June, April, August), places a client may live in
or move to (Austin, Charlotte, Madison, Savannah, Georgia, Jackson, Lincoln, Louis, Chad), and
brands a money conversation names (Ally, Albert, Dave, Cleo, Mercedes, Tiffany, Jared, Wendy,
Levi) and names in sayings ("rob Peter to pay Paul", "an average Joe"), so a name here is
nearly always a person.
"""

import re

_NAMES = """
Aaliyah Aarav Aaron Abby Abena Abigail Ada Adam Adrian Adriana Agnieszka Aiden Aiko Aisha Akira
Alan Alana Alejandra Alejandro Alessandro Alex Alexander Alexandra Alexis Alfredo Ali Alice
Alicia Alisha Alison Allison Alonso Alyssa Ama Amanda Amara Amelia Amina Aminata Amir Amit Amy
Ana Anand Ananya Anastasia Anders Andre Andrea Andres Andrew Andy Angela Angelica Anil Anita
Anjali Ann Anna Anne Annie Anthony Antonio Anya Aoife Araceli Arjun Arthur Asha Ashley Ashok
Astrid Aubrey Audrey Ava Ayaan Ayesha Barbara Barry Beatriz Becca Becky Ben Benjamin Beth
Bethany Beto Betty Bianca Blake Brad Brandon Brenda Brett Brian Brittany Bruno Caleb Calvin
Camila Carl Carla Carlos Carmen Carol Caroline Carrie Cassandra Catalina Catherine Cathy
Cecilia Cheryl Chiamaka Chiara Chidi Chinedu Chloe Chris Christina Christine Christopher Ciaran
Cindy Claire Clara Claudia Cody Colin Connor Consuelo Corey Courtney Craig Cristina Cynthia
Dale Dalia Damian Dana Daniel Daniela Danielle Danny Darius Darnell Darren Darryl Debbie
Deborah Debra Declan Deepa Deepak Deja Denise Dennis Derek Derrick Desmond Devin Devon Diana
Diego Dieter Dimitri Divya Dmitri Dolores Dominic Donna Doris Dorothy Doug Douglas Duane Dustin
Dylan Eddie Eduardo Edward Elaine Eleanor Eli Elijah Elisa Eliza Elizabeth Ella Ellen Emeka
Emilio Emily Emma Emmanuel Enrique Eric Erica Erik Erika Erin Esther Ethan Eva Evan Evelyn Ezra
Farhan Fatima Fatou Felipe Felix Fergus Fernando Fiona Floyd Francesca Francisco Gabriel
Gabriela Garrett Gary Gavin Gemma Gerald Gianna Gina Giovanni Giulia Gladys Glenn Gloria
Graciela Greg Gregory Guadalupe Gurpreet Gustavo Hana Hannah Hans Harold Harpreet Haruka
Heather Hector Heidi Helen Henry Hiro Hiroshi Howard Hugo Hyun Ian Ibrahim Ifeoma Imani Imran
Ingrid Irene Irina Isaac Isabel Isabella Isha Ivan Jacob Jacqueline Jacques Jaime Jake Jamal
James Jamie Jana Jane Janelle Janet Jared Jasmine Jason Jasper Javier Jayden Jeff Jeffrey Jenna
Jenny Jeremiah Jeremy Jerome Jerry Jesse Jessica Jill Jim Jimena Jimmy Joan Joanna Joanne Joel
Johan John Johnny Jon Jonathan Jorge Jose Joseph Josh Joshua Juan Juanita Judy Julia Julian
Juliana Julie Julio Justin Kaitlyn Karen Karina Karl Katarzyna Kate Katherine Kathleen Kathy
Katie Kavya Kayla Keisha Keith Kelly Ken Kendra Kenji Kenneth Kerry Kevin Kim Kimberly Kiran
Klaus Kofi Kris Krishna Krista Kristen Kristin Kurt Kwabena Kwame Kyle Lakshmi Lana Larry Lars
Latisha Latoya Laura Lauren Leah Leila Lena Leo Leon Leticia Liam Linda Lindsay Lindsey Linh
Lisa Logan Lorena Lorenzo Lori Luca Lucas Lucia Lucy Luis Luisa Luke Lupita Luz Lydia Lynn
Mackenzie Madeline Mamadou Mandy Manpreet Manuel Marco Marcus Marcy Marek Margaret Maria
Mariana Maribel Marie Marilyn Mario Marisela Marisol Marissa Marta Martha Martin Marvin Mary
Mateo Matt Matteo Matthew Maya Meera Megan Mei Melanie Melissa Mia Michael Michelle Miguel Mike
Mina Ming Minh Mohammed Molly Monica Monique Moussa Nadia Nadine Nancy Naomi Natalia Natalie
Natasha Nathan Neal Neha Neil Ngozi Nia Niamh Nicholas Nick Nicole Nikhil Nikolai Nina Nisha
Noah Nolan Nomvula Nora Olga Oliver Olivia Oluwaseun Omar Oscar Owen Pablo Paco Pamela Paolo
Patricia Patrick Paula Pedro Philip Pierre Piotr Pooja Prakash Preeti Priya Rachel Rafael Rahul
Raj Rajesh Ralph Ramon Raquel Ravi Raymond Rebecca Rebekah Reggie Rekha Renee Reyna Rhonda
Ricardo Richard Rick Rita Robert Roberto Rodney Rodrigo Roger Rohan Rohit Ronald Rosa Rosario
Russell Ryan Sabrina Sadie Sakura Sam Samantha Samir Samuel Sandra Sanjay Sara Sarah Scott Sean
Sebastian Sergei Sergio Shanice Shannon Sharon Shawn Sheila Shelby Sheldon Shirley Shreya
Sigrid Silas Simone Siobhan Sipho Sneha Sofia Sonia Sophia Sophie Stacy Stella Stephanie
Stephen Steve Steven Sunil Sunita Suresh Susan Sven Svetlana Takeshi Tamara Tammy Tanya Tara
Tasha Teresa Terrence Terry Tessa Thabo Thanh Theo Theresa Thomas Tiffany Tim Timothy Tina
Tobias Todd Tom Tomas Tomás Tony Tonya Tori Tracy Travis Trevor Trisha Tunde Tyrone Valentina
Valeria Vanessa Veronica Vicky Victor Vijay Vikas Vikram Vince Vivek Vivian Walter Wanda Wayne
Wei Wendell Wesley Whitney Xavier Ximena Yasmin Yaw Yelena Yesenia Yolanda Yuki Yusuf Yuto Zach
Zachary Zainab Zoe Zuri
"""

GIVEN_NAMES = frozenset(re.findall(r"\S+", _NAMES))
